//! Which fields of a containerlab topology act on the host rather than inside the lab.
//!
//! containerlab runs with root rights, so these fields give whoever writes a topology a way
//! onto the machine: they are for admins, or collections an admin opened for them (see the
//! server README, "Security model"). Every other field stays inside the lab's containers,
//! its own network namespaces and its directory.
//!
//! | Field | Why |
//! |---|---|
//! | `binds` whose host side is absolute, has `..` or `~` | mounts host files into a node |
//! | `binds` of the lab directory itself or of its definition file | a node could rewrite the definition containerlab reads again on a redeploy |
//! | `startup-config`, `license`, `env-files`, `kernel`, `sandbox`, `settings.certificate-authority.{cert,key}` that are absolute, have `..` or `~` | reads host files |
//! | `network-mode` other than `none` (`host`, `container:…`, a Docker network) | the host's, another container's or an existing network |
//! | `__clabDir__` or `clab-…/` in a path | containerlab's lab directory, where nodes' directories are writable |
//! | a bind source or host-read path inside a directory another entry binds writable | a node can leave a link there that leads anywhere on the host |
//! | `devices`, `cap-add`, `ports`, `publish`, `extras`, `runtime` (other than docker) | host devices, privileges, host ports, host paths |
//! | `kind: bridge, ovs-bridge, host, ext-container, k8s-kind` | host bridges, the host itself, foreign containers, clusters |
//! | `stages.*.exec` with `target: host` | runs commands on the host |
//! | links to `host:`/`macvlan:` endpoints, links of type `host`, `macvlan`, `vxlan`, `vxlan-stitch` | host interfaces and tunnels |
//! | `mgmt.network`, `mgmt.bridge`, `mgmt.driver-opts` | existing host networks and bridges |
//! | any `$VAR` or `${VAR}` | containerlab expands the server's environment (its secrets) |
//! | any `{{` | containerlab renders the definition as a Go template first: an action can write any field, or a `$` |
//!
//! The same rules apply under `topology.defaults`, `topology.kinds.*` and
//! `topology.groups.*`, which nodes inherit.

use serde_json::Value;

/// Kinds that are the host or something on it rather than a container of the lab.
const HOST_KINDS: &[&str] = &["bridge", "ovs-bridge", "host", "ext-container", "k8s-kind"];
/// Link types that create interfaces on the host.
const HOST_LINK_TYPES: &[&str] = &["host", "macvlan", "vxlan", "vxlan-stitch"];
/// Endpoint "nodes" that name the host.
const HOST_ENDPOINTS: &[&str] = &["host", "macvlan"];
/// Node fields that name files read on the host.
const PATH_FIELDS: &[&str] = &["startup-config", "license", "kernel", "sandbox"];
/// Node fields that act on the host whatever their value.
const HOST_FIELDS: &[&str] = &["devices", "cap-add", "ports", "publish", "extras"];

/// The fields of a topology document that act on the host, as paths
/// (`topology.nodes.srl1.binds[0]`), at most `limit`.
pub fn host_access(document: &Value, limit: usize) -> Vec<String> {
    let mut found = Vec::new();
    let mut paths = LabPaths::default();
    environment(document, &mut String::new(), &mut found);
    if let Some(mgmt) = document.get("mgmt").and_then(Value::as_object) {
        for field in ["network", "bridge", "driver-opts"] {
            if mgmt.get(field).is_some_and(|v| !v.is_null()) {
                found.push(format!("mgmt.{field}"));
            }
        }
    }
    if let Some(ca) = document.pointer("/settings/certificate-authority") {
        for field in ["cert", "key"] {
            if ca.get(field).is_some_and(|v| !v.is_null()) {
                found.push(format!("settings.certificate-authority.{field}"));
            }
        }
    }
    if let Some(topology) = document.get("topology") {
        if let Some(defaults) = topology.get("defaults") {
            node(defaults, "topology.defaults", &mut found, &mut paths);
        }
        for section in ["kinds", "groups", "nodes"] {
            if let Some(entries) = topology.get(section).and_then(Value::as_object) {
                for (name, config) in entries {
                    node(
                        config,
                        &format!("topology.{section}.{name}"),
                        &mut found,
                        &mut paths,
                    );
                }
            }
        }
        if let Some(links) = topology.get("links").and_then(Value::as_array) {
            for (index, link) in links.iter().enumerate() {
                self::link(link, &format!("topology.links[{index}]"), &mut found);
            }
        }
    }
    found.extend(paths.through_writable());
    found.sort();
    found.dedup();
    found.truncate(limit);
    found
}

/// Whether a host path leaves the lab's directory: absolute, home-relative or with `..`, or
/// into containerlab's own lab directory (`__clabDir__`, `clab-<lab>/…`), where other nodes'
/// directories are mounted writable.
fn leaves_lab_dir(path: &str) -> bool {
    let path = path.trim();
    path.starts_with('/')
        || path.starts_with('~')
        || path.contains("__clabDir__")
        || path
            .split(['/', '\\'])
            .find(|segment| !segment.is_empty() && *segment != ".")
            .is_some_and(|first| first.starts_with("clab-"))
        || path.split(['/', '\\']).any(|segment| segment == "..")
}

/// A path's segments inside the lab directory (`./a//b/` → `[a, b]`).
fn segments(path: &str) -> Vec<String> {
    path.trim()
        .split(['/', '\\'])
        .filter(|segment| !segment.is_empty() && *segment != ".")
        .map(str::to_owned)
        .collect()
}

/// Lab-directory paths the topology names: those bound writable into a node, and every one
/// the host reads (bind sources, startup configs, licenses, env files). A node that can
/// write a directory can leave a link there (`ln -s / dir/escape`); a path inside that
/// directory would then lead containerlab or Docker, as root, anywhere on the host.
#[derive(Default)]
struct LabPaths {
    writable: Vec<(String, Vec<String>)>,
    read: Vec<(String, Vec<String>)>,
}

impl LabPaths {
    /// The paths that lie inside a directory some other entry binds writable.
    fn through_writable(&self) -> Vec<String> {
        self.read
            .iter()
            .filter(|(at, path)| {
                self.writable.iter().any(|(other, dir)| {
                    other != at && dir.len() < path.len() && path.starts_with(dir)
                })
            })
            .map(|(at, _)| at.clone())
            .collect()
    }
}

/// Whether a bind is writable: no `ro` among its options.
fn bind_writable(bind: &str) -> bool {
    let mut parts = bind.split(':');
    let _source = parts.next();
    let _target = parts.next();
    !parts
        .next()
        .is_some_and(|options| options.split(',').any(|o| o.trim() == "ro"))
}

/// The host side of a bind (`host:container[:options]`).
fn bind_source(bind: &str) -> &str {
    bind.split(':').next().unwrap_or_default()
}

/// Whether a bind's host side reaches the host: it leaves the lab's directory, or it is that
/// directory itself or the definition in it (`.`, `./`, `topology.clab.yaml`), which a node
/// could rewrite before containerlab reads it again.
fn bind_reaches_host(source: &str) -> bool {
    let segments: Vec<&str> = source
        .trim()
        .split(['/', '\\'])
        .filter(|segment| !segment.is_empty() && *segment != ".")
        .collect();
    leaves_lab_dir(source) || segments.is_empty() || segments == [crate::files::DEFINITION_FILE]
}

fn node(config: &Value, at: &str, found: &mut Vec<String>, paths: &mut LabPaths) {
    let Some(config) = config.as_object() else {
        return;
    };
    if let Some(binds) = config.get("binds").and_then(Value::as_array) {
        for (index, bind) in binds.iter().enumerate() {
            let Some(bind) = bind.as_str() else { continue };
            let entry = format!("{at}.binds[{index}]");
            if bind_reaches_host(bind_source(bind)) {
                found.push(entry);
                continue;
            }
            let path = segments(bind_source(bind));
            if bind_writable(bind) {
                paths.writable.push((entry.clone(), path.clone()));
            }
            paths.read.push((entry, path));
        }
    }
    for field in PATH_FIELDS {
        // Inline configuration (several lines) is not a path.
        if let Some(path) = config.get(*field).and_then(Value::as_str)
            && !path.contains('\n')
        {
            if leaves_lab_dir(path) {
                found.push(format!("{at}.{field}"));
            } else {
                paths.read.push((format!("{at}.{field}"), segments(path)));
            }
        }
    }
    if let Some(files) = config.get("env-files").and_then(Value::as_array) {
        for (index, file) in files.iter().enumerate() {
            let Some(file) = file.as_str() else { continue };
            if leaves_lab_dir(file) {
                found.push(format!("{at}.env-files[{index}]"));
            } else {
                paths
                    .read
                    .push((format!("{at}.env-files[{index}]"), segments(file)));
            }
        }
    }
    // `none` keeps a node to itself; anything else but the lab's own networks (which
    // containerlab sets up) names the host's network, another container's, or an existing
    // Docker network such as `bridge`.
    if let Some(mode) = config.get("network-mode").and_then(Value::as_str) {
        let mode = mode.trim().to_ascii_lowercase();
        if !mode.is_empty() && mode != "none" {
            found.push(format!("{at}.network-mode"));
        }
    }
    for field in HOST_FIELDS {
        let set = match config.get(*field) {
            None | Some(Value::Null) => false,
            Some(Value::Array(items)) => !items.is_empty(),
            Some(Value::Object(entries)) => !entries.is_empty(),
            Some(_) => true,
        };
        if set {
            found.push(format!("{at}.{field}"));
        }
    }
    if let Some(runtime) = config.get("runtime").and_then(Value::as_str)
        && !runtime.trim().eq_ignore_ascii_case("docker")
    {
        found.push(format!("{at}.runtime"));
    }
    if let Some(kind) = config.get("kind").and_then(Value::as_str)
        && HOST_KINDS.contains(&kind.trim().to_ascii_lowercase().as_str())
    {
        found.push(format!("{at}.kind"));
    }
    if let Some(stages) = config.get("stages").and_then(Value::as_object) {
        for (stage, spec) in stages {
            let execs = spec.get("exec").and_then(Value::as_array);
            for (index, exec) in execs.into_iter().flatten().enumerate() {
                let target = exec.get("target").and_then(Value::as_str).unwrap_or("");
                if target.trim().eq_ignore_ascii_case("host") {
                    found.push(format!("{at}.stages.{stage}.exec[{index}]"));
                }
            }
        }
    }
}

fn link(link: &Value, at: &str, found: &mut Vec<String>) {
    if let Some(kind) = link.get("type").and_then(Value::as_str)
        && HOST_LINK_TYPES.contains(&kind.trim().to_ascii_lowercase().as_str())
    {
        found.push(format!("{at}.type"));
    }
    let endpoints = link
        .get("endpoints")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .chain(link.get("endpoint"));
    for (index, endpoint) in endpoints.enumerate() {
        let node = match endpoint {
            Value::String(text) => text.split(':').next().unwrap_or_default(),
            Value::Object(object) => object.get("node").and_then(Value::as_str).unwrap_or(""),
            _ => "",
        };
        if HOST_ENDPOINTS.contains(&node.trim().to_ascii_lowercase().as_str()) {
            found.push(format!("{at}.endpoints[{index}]"));
        }
    }
}

/// Strings anywhere that containerlab would expand from the server's environment or run as
/// a template.
fn environment(value: &Value, at: &mut String, found: &mut Vec<String>) {
    match value {
        Value::String(text) if expands_environment(text) => found.push(at.clone()),
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                let len = at.len();
                at.push_str(&format!("[{index}]"));
                environment(item, at, found);
                at.truncate(len);
            }
        }
        Value::Object(entries) => {
            for (key, item) in entries {
                let len = at.len();
                if !at.is_empty() {
                    at.push('.');
                }
                at.push_str(key);
                if expands_environment(key) {
                    found.push(at.clone());
                }
                environment(item, at, found);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

/// `$NAME` or `${…}`, or a Go template action (`{{`), which containerlab runs before it
/// expands the environment and which can print a `$` or any YAML.
fn expands_environment(text: &str) -> bool {
    text.as_bytes().windows(2).any(|pair| {
        matches!(pair, [b'$', next] if *next == b'{' || *next == b'_' || next.is_ascii_alphabetic())
            || pair == b"{{"
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(yaml: &str) -> Vec<String> {
        let document: Value = serde_norway::from_str(yaml).unwrap();
        host_access(&document, 100)
    }

    #[test]
    fn a_lab_inside_its_containers_and_directory_needs_nothing() {
        let yaml = r#"
name: ok
mgmt:
  ipv4-subnet: 172.20.20.0/24
topology:
  defaults:
    env: {A: b}
  kinds:
    nokia_srlinux:
      image: ghcr.io/nokia/srlinux
      startup-config: configs/srl.cfg
  nodes:
    srl1:
      kind: nokia_srlinux
      binds: ["configs/a.cfg:/etc/a.cfg:ro", "__clabNodeDir__/x:/x"]
      startup-config: |
        set / system name host-name srl1
        set / interface ethernet-1/1
      exec: ["ip link set eth1 up"]
      stages:
        create:
          exec: [{command: "echo hi", target: container}]
    h1:
      kind: linux
      network-mode: none
      env-files: [env/h1.env]
  links:
    - endpoints: ["srl1:e1-1", "h1:eth1"]
    - type: veth
      endpoints: [{node: srl1, interface: e1-2}, {node: h1, interface: eth2}]
    - endpoints: ["srl1:e1-3", "mgmt-net:srl1-e1-3"]
"#;
        assert_eq!(fields(yaml), Vec::<String>::new());
    }

    #[test]
    fn paths_through_a_writable_directory_or_containerlabs_own_are_named() {
        // Node a can write `data` and leave `data/escape -> /` there; b's bind of
        // `data/escape` would then mount the host's root.
        let yaml = r#"
name: links
topology:
  nodes:
    a: {kind: linux, binds: ["data:/data"]}
    b: {kind: linux, binds: ["data/escape:/host"], startup-config: data/cfg}
    c: {kind: linux, binds: ["ro/dir:/d:ro", "ro/dir/file:/f:ro", "own:/o", "own:/o2"]}
    d: {kind: linux, binds: ["__clabDir__/a/escape:/x", "clab-lab/a/x:/y"]}
    e: {kind: linux, network-mode: bridge}
"#;
        let found = fields(yaml);
        for expected in [
            "topology.nodes.b.binds[0]",
            "topology.nodes.b.startup-config",
            "topology.nodes.d.binds[0]",
            "topology.nodes.d.binds[1]",
            "topology.nodes.e.network-mode",
        ] {
            assert!(
                found.contains(&expected.to_owned()),
                "{expected} in {found:?}"
            );
        }
        for fine in [
            "topology.nodes.a.binds[0]",
            "topology.nodes.c.binds[0]",
            "topology.nodes.c.binds[1]",
            "topology.nodes.c.binds[2]",
            "topology.nodes.c.binds[3]",
        ] {
            assert!(!found.contains(&fine.to_owned()), "{fine} in {found:?}");
        }
    }

    #[test]
    fn every_field_that_reaches_the_host_is_named() {
        let yaml = r#"
name: bad
mgmt: {network: bridge, bridge: br0}
settings:
  certificate-authority: {cert: /etc/ssl/ca.pem, key: /etc/ssl/ca.key}
topology:
  defaults:
    binds: ["/:/host"]
  kinds:
    linux: {cap-add: [SYS_ADMIN]}
  groups:
    g: {devices: [/dev/kvm]}
  nodes:
    a:
      kind: linux
      binds: ["../../etc:/x", "~/.ssh:/y", "ok.txt:/z"]
      network-mode: host
      ports: ["22:22"]
      startup-config: /etc/shadow
      license: ../license.key
      env-files: [/etc/environment]
      extras: {srl-agents: [/opt/agent.yml]}
      stages:
        create-links:
          exec: [{command: "rm -rf /", target: host}]
    b: {kind: bridge}
    c: {kind: linux, network-mode: "container:vault", runtime: podman}
    d: {kind: ext-container}
    e: {kind: linux, env: {SECRET: "${SB_NATIVE_PASSWORD}"}}
  links:
    - endpoints: ["a:eth1", "host:veth-a"]
    - endpoints: ["a:eth2", "macvlan:enp3s0"]
    - type: vxlan
      endpoint: {node: a, interface: eth3}
      remote: 10.0.0.1
      vni: 10
"#;
        let found = fields(yaml);
        for expected in [
            "mgmt.network",
            "mgmt.bridge",
            "settings.certificate-authority.cert",
            "settings.certificate-authority.key",
            "topology.defaults.binds[0]",
            "topology.kinds.linux.cap-add",
            "topology.groups.g.devices",
            "topology.nodes.a.binds[0]",
            "topology.nodes.a.binds[1]",
            "topology.nodes.a.network-mode",
            "topology.nodes.a.ports",
            "topology.nodes.a.startup-config",
            "topology.nodes.a.license",
            "topology.nodes.a.env-files[0]",
            "topology.nodes.a.extras",
            "topology.nodes.a.stages.create-links.exec[0]",
            "topology.nodes.b.kind",
            "topology.nodes.c.network-mode",
            "topology.nodes.c.runtime",
            "topology.nodes.d.kind",
            "topology.nodes.e.env.SECRET",
            "topology.links[0].endpoints[1]",
            "topology.links[1].endpoints[1]",
            "topology.links[2].type",
        ] {
            assert!(
                found.contains(&expected.to_owned()),
                "{expected} in {found:?}"
            );
        }
        assert!(
            !found.contains(&"topology.nodes.a.binds[2]".to_owned()),
            "a bind inside the lab directory is fine"
        );
        assert_eq!(
            host_access(&serde_norway::from_str(yaml).unwrap(), 3).len(),
            3
        );
    }
}

/// Property tests: generated topologies that stay inside the lab are never flagged; each
/// host-reaching construct injected into one is flagged at exactly its path; any value at all
/// is answered without a panic and within the limit.
#[cfg(test)]
mod properties {
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
                |(
                    kind,
                    image,
                    binds,
                    startup,
                    env_files,
                    env,
                    mode,
                    runtime,
                    exec,
                    stage,
                    empty,
                )| {
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
            (node_name(), node_name()).prop_map(
                |(a, b)| json!({"endpoints": [format!("{a}:eth1"), format!("{b}:e1-1")]})
            ),
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
            prop::sample::select(vec!["network", "bridge", "driver-opts"])
                .prop_map(Injection::Mgmt),
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
}
