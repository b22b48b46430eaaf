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
mod tests;

#[cfg(test)]
mod properties;
