//! Property tests: generated topologies that stay inside the lab are never flagged; each
//! host-reaching construct injected into one is flagged at exactly its path; any value at all
//! is answered without a panic and within the limit.

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::*;

/// Text with no `$` and no `{`: nothing to expand or render.
fn plain() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 _.,:/=+-]{0,16}"
}

/// A path inside the lab directory: relative, no `.` or `..` segment, and never inside a
/// directory bound writable (those are one segment starting with `w`, see `inside_node`).
fn relative_path() -> impl Strategy<Value = String> {
    "[a-vx-z0-9_-][a-z0-9_.-]{0,8}(/[a-z0-9_-][a-z0-9_.-]{0,8}){0,3}"
}

/// A node name that is not an endpoint naming the host.
fn node_name() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9-]{0,8}".prop_filter("not a host endpoint", |n| {
        !HOST_ENDPOINTS.contains(&n.as_str())
    })
}

fn object(entries: impl IntoIterator<Item = (String, Value)>) -> Value {
    Value::Object(entries.into_iter().collect())
}

/// A node (or defaults, kind, group) configuration that stays inside the lab.
fn inside_node() -> impl Strategy<Value = Value> {
    // Read-only binds anywhere in the lab; writable ones of top-level `w…` directories,
    // which no other path lies inside (a path inside a writable directory reaches the
    // host, see `LabPaths`).
    let bind = prop_oneof![
        (relative_path(), "/[a-z0-9/_-]{1,12}", Just(":ro")),
        (
            "w[a-z0-9_-]{0,8}",
            "/[a-z0-9/_-]{1,12}",
            prop_oneof![Just(""), Just(":rw")]
        ),
    ]
    .prop_map(|(host, container, options)| json!(format!("{host}:{container}{options}")));
    (
        proptest::option::of(prop::sample::select(vec![
            "linux",
            "nokia_srlinux",
            "ceos",
            "vr-sros",
            "cisco_xrd",
            " Linux ",
        ])),
        proptest::option::of(plain()),
        proptest::collection::vec(bind, 0..4),
        proptest::option::of(prop_oneof![
            relative_path(),
            "[a-z ]{1,10}\n[a-z ]{1,10}\n",
            Just("/etc/shadow\nset / system name x".to_owned()),
        ]),
        proptest::collection::vec(relative_path(), 0..3),
        proptest::collection::btree_map("[A-Z_][A-Z0-9_]{0,6}", plain(), 0..3),
        proptest::option::of(prop_oneof![Just("none"), Just("None"), Just(" none ")]),
        proptest::option::of(prop_oneof![Just("docker"), Just(" Docker ")]),
        proptest::collection::vec(plain(), 0..3),
        proptest::option::of((
            "[a-z-]{1,8}",
            plain(),
            prop_oneof![Just("container"), Just("")],
        )),
        prop::sample::subsequence(HOST_FIELDS.to_vec(), 0..=HOST_FIELDS.len()),
    )
        .prop_map(
            |(kind, image, binds, startup, env_files, env, mode, runtime, exec, stage, empty)| {
                let mut node = Map::new();
                let mut set = |field: &str, value: Value| {
                    node.insert(field.to_owned(), value);
                };
                if let Some(kind) = kind {
                    set("kind", json!(kind));
                }
                if let Some(image) = image {
                    set("image", json!(image));
                }
                set("binds", json!(binds));
                if let Some(startup) = startup {
                    set("startup-config", json!(startup));
                }
                set("env-files", json!(env_files));
                set("env", json!(env));
                if let Some(mode) = mode {
                    set("network-mode", json!(mode));
                }
                if let Some(runtime) = runtime {
                    set("runtime", json!(runtime));
                }
                set("exec", json!(exec));
                if let Some((name, command, target)) = stage {
                    set(
                        "stages",
                        json!({ name: {"exec": [{"command": command, "target": target}]} }),
                    );
                }
                // Fields that act on the host, left empty or null: not set.
                for (index, field) in empty.into_iter().enumerate() {
                    set(
                        field,
                        if index % 2 == 0 {
                            json!([])
                        } else {
                            Value::Null
                        },
                    );
                }
                Value::Object(node)
            },
        )
}

fn inside_link() -> impl Strategy<Value = Value> {
    prop_oneof![
        (node_name(), node_name())
            .prop_map(|(a, b)| json!({"endpoints": [format!("{a}:eth1"), format!("{b}:e1-1")]})),
        (node_name(), node_name()).prop_map(|(a, b)| json!({
            "type": "veth",
            "endpoints": [{"node": a, "interface": "eth2"}, {"node": b, "interface": "eth2"}]
        })),
        node_name().prop_map(|a| json!({"endpoints": [format!("{a}:eth3"), "mgmt-net:x"]})),
        node_name()
            .prop_map(|a| json!({"type": "dummy", "endpoint": {"node": a, "interface": "d0"}})),
    ]
}

/// A whole topology that stays inside the lab.
fn inside_topology() -> impl Strategy<Value = Value> {
    (
        "[a-z][a-z0-9-]{0,10}",
        proptest::option::of(inside_node()),
        proptest::collection::btree_map("[a-z_]{1,10}", inside_node(), 0..3),
        proptest::collection::btree_map("[a-z]{1,6}", inside_node(), 0..2),
        proptest::collection::btree_map(node_name(), inside_node(), 0..5),
        proptest::collection::vec(inside_link(), 0..4),
        any::<bool>(),
    )
        .prop_map(|(name, defaults, kinds, groups, nodes, links, mgmt)| {
            let mut topology = Map::new();
            if let Some(defaults) = defaults {
                topology.insert("defaults".into(), defaults);
            }
            topology.insert("kinds".into(), object(kinds));
            topology.insert("groups".into(), object(groups));
            topology.insert("nodes".into(), object(nodes));
            topology.insert("links".into(), json!(links));
            let mut document = json!({"name": name, "topology": topology});
            if mgmt {
                document["mgmt"] = json!({"ipv4-subnet": "172.20.20.0/24", "mtu": 1500});
            }
            document
        })
}

/// One host-reaching construct.
#[derive(Debug, Clone)]
enum Injection {
    Bind(&'static str),
    NetworkMode(&'static str),
    Kind(String),
    HostField(&'static str, Value),
    Runtime(&'static str),
    PathField(&'static str, &'static str),
    EnvFile(&'static str),
    HostStage(String),
    Mgmt(&'static str),
    CertificateAuthority(&'static str),
    HostEndpoint(Value),
    LinkType(String),
    Expansion(&'static str, Place),
}

/// Where an expansion goes.
#[derive(Debug, Clone, Copy)]
enum Place {
    EnvValue,
    EnvKey,
    Image,
    Exec,
    Name,
    LinkEndpoint,
}

fn injection() -> impl Strategy<Value = Injection> {
    let casing = |words: &'static [&'static str]| {
        (prop::sample::select(words), any::<bool>(), any::<bool>()).prop_map(
            |(word, upper, padded)| {
                let word = if upper {
                    word.to_ascii_uppercase()
                } else {
                    word.to_owned()
                };
                if padded { format!(" {word} ") } else { word }
            },
        )
    };
    prop_oneof![
        prop::sample::select(vec![
            "/",
            "/etc",
            "/var/run/docker.sock",
            " /root",
            "~",
            "~/.ssh",
            "~root/x",
            "..",
            "a/../..",
            "configs/../../etc",
            "a\\..\\..",
            "",
            ".",
            "./",
            ".//.",
            "topology.clab.yaml",
            "./topology.clab.yaml",
        ])
        .prop_map(Injection::Bind),
        prop::sample::select(vec![
            "host",
            " Host",
            "HOST ",
            "container:vault",
            "Container:x"
        ])
        .prop_map(Injection::NetworkMode),
        casing(HOST_KINDS).prop_map(Injection::Kind),
        (
            prop::sample::select(HOST_FIELDS.to_vec()),
            prop_oneof![
                Just(json!(["x"])),
                Just(json!({"k": "v"})),
                Just(json!("x")),
                Just(json!(0)),
                Just(json!(false)),
            ]
        )
            .prop_map(|(field, value)| Injection::HostField(field, value)),
        prop::sample::select(vec!["podman", "containerd", "ignite", ""])
            .prop_map(Injection::Runtime),
        (
            prop::sample::select(PATH_FIELDS.to_vec()),
            prop::sample::select(vec![
                "/etc/shadow",
                "~/.ssh/id_rsa",
                "../license.key",
                "a/../../b"
            ]),
        )
            .prop_map(|(field, path)| Injection::PathField(field, path)),
        prop::sample::select(vec!["/etc/environment", "~/.env", "../../x"])
            .prop_map(Injection::EnvFile),
        "[a-z-]{1,8}".prop_map(Injection::HostStage),
        prop::sample::select(vec!["network", "bridge", "driver-opts"]).prop_map(Injection::Mgmt),
        prop::sample::select(vec!["cert", "key"]).prop_map(Injection::CertificateAuthority),
        (casing(HOST_ENDPOINTS), node_name(), any::<bool>()).prop_map(|(host, node, brief)| {
            Injection::HostEndpoint(if brief {
                json!({"endpoints": [format!("{node}:eth9"), format!("{host}:veth9")]})
            } else {
                json!({"type": "veth", "endpoints": [
                    {"node": node, "interface": "eth9"},
                    {"node": host, "interface": "veth9"},
                ]})
            })
        }),
        casing(HOST_LINK_TYPES).prop_map(Injection::LinkType),
        (
            prop::sample::select(vec![
                "${SB_NATIVE_PASSWORD}",
                "$HOME",
                "x$_y",
                "a${b:=c}",
                "{{ printf \"%c\" 36 }}{SECRET}",
                "{{.}}",
                "pre{{- range seq 3 }}x{{ end }}",
            ]),
            prop::sample::select(vec![
                Place::EnvValue,
                Place::EnvKey,
                Place::Image,
                Place::Exec,
                Place::Name,
                Place::LinkEndpoint,
            ]),
        )
            .prop_map(|(text, place)| Injection::Expansion(text, place)),
    ]
}

/// Where a node-level injection goes: `topology.defaults`, a kind, a group or a node.
fn holder() -> impl Strategy<Value = (&'static str, String)> {
    (
        prop::sample::select(vec!["defaults", "kinds", "groups", "nodes"]),
        node_name(),
    )
}

/// The object at `path` (created as needed; a non-object there is replaced).
fn object_at<'a>(document: &'a mut Value, path: &[&str]) -> &'a mut Map<String, Value> {
    let mut here = document;
    for key in path {
        if !here.is_object() {
            *here = json!({});
        }
        here = here
            .as_object_mut()
            .expect("made an object above")
            .entry(key.to_string())
            .or_insert_with(|| json!({}));
    }
    if !here.is_object() {
        *here = json!({});
    }
    here.as_object_mut().expect("made an object above")
}

/// Appends to the array `field` of `object` (made an array if it is not); returns the
/// new item's index.
fn push(object: &mut Map<String, Value>, field: &str, item: Value) -> usize {
    let array = object.entry(field).or_insert_with(|| json!([]));
    if !array.is_array() {
        *array = json!([]);
    }
    let items = array.as_array_mut().expect("made an array above");
    items.push(item);
    items.len() - 1
}

/// Applies an injection; returns the paths it must be flagged at.
fn inject(
    document: &mut Value,
    injection: &Injection,
    (section, name): &(&'static str, String),
) -> Vec<String> {
    let holder_path: Vec<&str> = match *section {
        "defaults" => vec!["topology", "defaults"],
        section => vec!["topology", section, name.as_str()],
    };
    let at = holder_path.join(".");
    match injection {
        Injection::Bind(source) => {
            let index = push(
                object_at(document, &holder_path),
                "binds",
                json!(format!("{source}:/mnt/x:ro")),
            );
            vec![format!("{at}.binds[{index}]")]
        }
        Injection::NetworkMode(mode) => {
            object_at(document, &holder_path).insert("network-mode".into(), json!(mode));
            vec![format!("{at}.network-mode")]
        }
        Injection::Kind(kind) => {
            object_at(document, &holder_path).insert("kind".into(), json!(kind));
            vec![format!("{at}.kind")]
        }
        Injection::HostField(field, value) => {
            object_at(document, &holder_path).insert((*field).into(), value.clone());
            vec![format!("{at}.{field}")]
        }
        Injection::Runtime(runtime) => {
            object_at(document, &holder_path).insert("runtime".into(), json!(runtime));
            vec![format!("{at}.runtime")]
        }
        Injection::PathField(field, path) => {
            object_at(document, &holder_path).insert((*field).into(), json!(path));
            vec![format!("{at}.{field}")]
        }
        Injection::EnvFile(path) => {
            let index = push(object_at(document, &holder_path), "env-files", json!(path));
            vec![format!("{at}.env-files[{index}]")]
        }
        Injection::HostStage(stage) => {
            let stages = object_at(
                document,
                &[holder_path.as_slice(), &["stages", stage]].concat(),
            );
            let index = push(stages, "exec", json!({"command": "id", "target": " Host"}));
            vec![format!("{at}.stages.{stage}.exec[{index}]")]
        }
        Injection::Mgmt(field) => {
            object_at(document, &["mgmt"]).insert((*field).into(), json!("x"));
            vec![format!("mgmt.{field}")]
        }
        Injection::CertificateAuthority(field) => {
            object_at(document, &["settings", "certificate-authority"])
                .insert((*field).into(), json!("ca.pem"));
            vec![format!("settings.certificate-authority.{field}")]
        }
        Injection::HostEndpoint(link) => {
            let index = push(object_at(document, &["topology"]), "links", link.clone());
            vec![format!("topology.links[{index}].endpoints[1]")]
        }
        Injection::LinkType(kind) => {
            let link = json!({"type": kind, "endpoint": {"node": "n", "interface": "eth1"}});
            let index = push(object_at(document, &["topology"]), "links", link);
            vec![format!("topology.links[{index}].type")]
        }
        Injection::Expansion(text, place) => match place {
            Place::EnvValue => {
                object_at(document, &[holder_path.as_slice(), &["env"]].concat())
                    .insert("INJECTED".into(), json!(text));
                vec![format!("{at}.env.INJECTED")]
            }
            Place::EnvKey => {
                object_at(document, &[holder_path.as_slice(), &["env"]].concat())
                    .insert((*text).into(), json!("x"));
                vec![format!("{at}.env.{text}")]
            }
            Place::Image => {
                object_at(document, &holder_path).insert("image".into(), json!(text));
                vec![format!("{at}.image")]
            }
            Place::Exec => {
                let index = push(
                    object_at(document, &holder_path),
                    "exec",
                    json!(format!("echo {text}")),
                );
                vec![format!("{at}.exec[{index}]")]
            }
            Place::Name => {
                document["name"] = json!(text);
                vec!["name".into()]
            }
            Place::LinkEndpoint => {
                let link = json!({"endpoints": ["a:eth1", format!("b:{text}")]});
                let index = push(object_at(document, &["topology"]), "links", link);
                vec![format!("topology.links[{index}].endpoints[1]")]
            }
        },
    }
}

/// Object keys: the names the rules look at, often.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "name", "topology", "defaults", "kinds", "groups", "nodes", "links", "binds",
            "kind", "network-mode", "runtime", "stages", "exec", "target", "endpoints",
            "endpoint", "node", "type", "mgmt", "network", "settings",
            "certificate-authority", "cert", "env-files", "startup-config", "ports", "env",
        ])
        .prop_map(str::to_owned),
        1 => "\\PC{0,8}",
    ]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
        prop::sample::select(vec![
            "host",
            "/etc",
            "bridge",
            "host:eth0",
            "${X}",
            "{{",
            "..",
            "container:x",
            "$",
            "docker",
            ":",
            "",
        ])
        .prop_map(Value::from),
    ]
}

fn any_value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(6, 96, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((key(), inner), 0..6)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

/// A topology whose known fields hold anything at all.
fn confused_topology() -> impl Strategy<Value = Value> {
    (
        proptest::collection::btree_map(key(), any_value(), 0..6),
        proptest::collection::btree_map(
            node_name(),
            proptest::collection::btree_map(key(), any_value(), 0..6),
            0..4,
        ),
        any_value(),
        any_value(),
    )
        .prop_map(|(top, nodes, links, mgmt)| {
            let mut document = object(top);
            let nodes: Map<String, Value> = nodes
                .into_iter()
                .map(|(name, config)| (name, object(config)))
                .collect();
            let topology = object_at(&mut document, &["topology"]);
            topology.insert("nodes".into(), Value::Object(nodes));
            topology.insert("links".into(), links);
            document["mgmt"] = mgmt;
            document
        })
}

fn sorted(mut paths: Vec<String>) -> Vec<String> {
    paths.sort();
    paths.dedup();
    paths
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_topology_inside_the_lab_is_not_flagged(document in inside_topology()) {
        prop_assert_eq!(host_access(&document, 100), Vec::<String>::new(), "{:#}", document);
    }

    #[test]
    fn one_injected_construct_is_flagged_at_exactly_its_path(
        mut document in inside_topology(),
        injection in injection(),
        holder in holder(),
    ) {
        let expected = inject(&mut document, &injection, &holder);
        prop_assert_eq!(host_access(&document, 100), expected, "{:?} in {:#}", injection, document);
    }

    #[test]
    fn several_constructs_are_all_flagged_and_the_limit_holds(
        mut document in inside_topology(),
        injections in proptest::collection::vec((injection(), holder()), 1..6),
        limit in 0_usize..8,
    ) {
        let mut expected = Vec::new();
        let mut last = Vec::new();
        for (injection, holder) in &injections {
            last = inject(&mut document, injection, holder);
            expected.extend(last.iter().cloned());
        }
        let all = host_access(&document, usize::MAX);
        // A later injection may replace an earlier one (the same kind, mode, runtime…):
        // what is flagged is a subset of what was injected, and every last one counts.
        let expected = sorted(expected);
        for path in &all {
            prop_assert!(expected.contains(path), "{} was not injected: {:?}", path, injections);
        }
        for path in last {
            prop_assert!(all.contains(&path), "{} missing from {:?}", path, all);
        }
        let limited = host_access(&document, limit);
        prop_assert_eq!(&limited[..], &all[..limit.min(all.len())]);
    }

    #[test]
    fn any_value_is_answered_within_the_limit(
        document in prop_oneof![any_value(), confused_topology()],
        limit in 0_usize..20,
    ) {
        let all = host_access(&document, usize::MAX);
        prop_assert_eq!(&all, &sorted(all.clone()), "sorted, without duplicates");
        let limited = host_access(&document, limit);
        prop_assert!(limited.len() <= limit);
        prop_assert_eq!(&limited[..], &all[..limit.min(all.len())]);
    }
}
