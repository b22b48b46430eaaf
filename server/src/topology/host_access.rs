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
//! | `network-mode: host` or `container:…` | the host's (or another container's) network |
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
            node(defaults, "topology.defaults", &mut found);
        }
        for section in ["kinds", "groups", "nodes"] {
            if let Some(entries) = topology.get(section).and_then(Value::as_object) {
                for (name, config) in entries {
                    node(config, &format!("topology.{section}.{name}"), &mut found);
                }
            }
        }
        if let Some(links) = topology.get("links").and_then(Value::as_array) {
            for (index, link) in links.iter().enumerate() {
                self::link(link, &format!("topology.links[{index}]"), &mut found);
            }
        }
    }
    found.sort();
    found.dedup();
    found.truncate(limit);
    found
}

/// Whether a host path leaves the lab's directory: absolute, home-relative or with `..`.
fn leaves_lab_dir(path: &str) -> bool {
    let path = path.trim();
    path.starts_with('/')
        || path.starts_with('~')
        || path.split(['/', '\\']).any(|segment| segment == "..")
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

fn node(config: &Value, at: &str, found: &mut Vec<String>) {
    let Some(config) = config.as_object() else {
        return;
    };
    if let Some(binds) = config.get("binds").and_then(Value::as_array) {
        for (index, bind) in binds.iter().enumerate() {
            if bind
                .as_str()
                .is_some_and(|b| bind_reaches_host(bind_source(b)))
            {
                found.push(format!("{at}.binds[{index}]"));
            }
        }
    }
    for field in PATH_FIELDS {
        // Inline configuration (several lines) is not a path.
        if let Some(path) = config.get(*field).and_then(Value::as_str)
            && !path.contains('\n')
            && leaves_lab_dir(path)
        {
            found.push(format!("{at}.{field}"));
        }
    }
    if let Some(files) = config.get("env-files").and_then(Value::as_array) {
        for (index, file) in files.iter().enumerate() {
            if file.as_str().is_some_and(leaves_lab_dir) {
                found.push(format!("{at}.env-files[{index}]"));
            }
        }
    }
    if let Some(mode) = config.get("network-mode").and_then(Value::as_str) {
        let mode = mode.trim().to_ascii_lowercase();
        if mode == "host" || mode.starts_with("container:") {
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
