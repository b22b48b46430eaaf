//! Unit tests of the host-access policy: each construct that reaches the host, at its path.

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
