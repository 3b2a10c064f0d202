//! The container's network interfaces (`lxc.net.N`), set up by the parent between
//! `clone3` and the go signal, when the child waits in its new network namespace.
//!
//! LXC splits this in two: the monitor creates the host's side (`lxc_create_network_priv`:
//! veth pairs with the peer in the container's namespace, macvlan and VLAN devices) and
//! the child configures its side (`lxc_setup_network_in_child_namespaces`: hardware
//! address, addresses, up, gateways). Both happen here, in the parent: the container's
//! side through a netlink socket opened in its namespace ([`NetlinkRoute::in_netns`]),
//! because the child allocates nothing and netlink needs buffers. The order is LXC's: every
//! interface created, then each one configured (MAC, MTU, addresses, up), then `lo` up when
//! an interface is, then the default routes.
//!
//! Nothing is left behind by a failed start: the host ends this call created are deleted
//! before it returns the error, and everything in the container's namespace goes with it
//! when the caller kills the child.

use crate::net::{self, IpFamily, LinkInfo, NetlinkRoute};
use crate::spec::{Gateway, HwAddr, MacvlanMode, Net, Nic, NicKind, VethMode};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::io::{self, Read as _};
use std::net::IpAddr;
use std::os::fd::AsFd;

/// An interface a started container has, for `info`, `ls -f` and the state directory.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attached {
    /// Its name in the container.
    pub name: String,
    /// `veth`, `macvlan`, `vlan`.
    pub kind: String,
    /// A veth's host end (`lxc.net.N.veth.pair`, or the name made up for it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The host link it is on (the bridge of a veth, the parent of a macvlan or VLAN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Its hardware address in the container (as configured, or the kernel's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hwaddr: Option<String>,
    /// A `phys` device's MTU on the host, set again when it goes back at stop (its name
    /// there is `link`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_mtu: Option<u32>,
}

/// Why an interface could not be set up: the NIC (its `lxc.net.N.type` line), what was
/// being done and the kernel's reason.
#[derive(Debug)]
pub struct NetworkError {
    /// `file:line:col` of `lxc.net.N.type`.
    pub location: String,
    /// The interface's name in the container.
    pub name: String,
    /// What failed, with the kernel's reason.
    pub error: io::Error,
}

impl fmt::Display for NetworkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.location, self.name, self.error)
    }
}

impl std::error::Error for NetworkError {}

/// Why `nic` cannot be set up by this version at all (refused before anything runs), or
/// `None`: every kind is built today.
pub fn unsupported(_nic: &Nic) -> Option<String> {
    None
}

/// Whether `net` has interfaces for [`setup`].
pub fn has_interfaces(net: &Net) -> bool {
    matches!(net, Net::Isolated { nics, .. } if !nics.is_empty())
}

/// Creates and configures `net`'s interfaces for the child `pid` (waiting in its new
/// network namespace), from the caller's network namespace (the host's side).
pub fn setup(pid: i32, net: &Net) -> Result<Vec<Attached>, NetworkError> {
    let Net::Isolated { nics, loopback_up } = net else {
        return Ok(Vec::new());
    };
    if nics.is_empty() {
        return Ok(Vec::new());
    }
    let first = &nics[0];
    let on = |nic: &Nic| {
        let location = nic.location.to_string();
        let name = nic.name.clone();
        move |error: io::Error| NetworkError {
            location,
            name,
            error,
        }
    };
    let host = NetlinkRoute::current().map_err(on(first))?;
    let netns = net::open_netns(pid).map_err(on(first))?;
    let inside = NetlinkRoute::in_netns(netns.as_fd()).map_err(on(first))?;
    let mut created: Vec<u32> = Vec::new();
    let mut moved: Vec<Attached> = Vec::new();
    let result = (|| {
        // The host's side of every NIC first, as LXC's monitor does.
        let mut links: Vec<Option<LinkInfo>> = Vec::with_capacity(nics.len());
        let mut attached = Vec::with_capacity(nics.len());
        for nic in nics {
            let (link, one) = create(&host, netns.as_fd(), nic, &mut created).map_err(on(nic))?;
            if one.kind == "phys" {
                moved.push(one.clone());
            }
            links.push(link);
            attached.push(one);
        }
        // Then the container's side of each.
        for (nic, one) in nics.iter().zip(attached.iter_mut()) {
            configure(&inside, nic, one).map_err(on(nic))?;
        }
        if *loopback_up || nics.iter().any(|n| n.up) {
            // LXC: "the network is up, make the loopback up too".
            let lo = inside
                .link_index("lo")
                .and_then(|i| i.ok_or_else(|| io::Error::from_raw_os_error(libc::ENODEV)))
                .and_then(|i| inside.set_up(i, true))
                .map_err(|e| io::Error::new(e.kind(), format!("bringing lo up: {e}")));
            lo.map_err(on(first))?;
        }
        for (nic, link) in nics.iter().zip(&links) {
            gateways(&host, &inside, nic, link.as_ref()).map_err(on(nic))?;
        }
        Ok(attached)
    })();
    if result.is_err() {
        // The host ends made here; the rest is in the container's namespace, which dies
        // with the child.
        for index in created {
            let _ = host.delete_link(index);
        }
        // The devices moved in go back: the kernel would return a physical one to the
        // initial namespace when the child's dies, and delete a virtual one.
        let _ = restore_phys(netns.as_fd(), &moved);
    }
    result
}

/// Moves the `phys` devices among `attached` from the container's network namespace
/// `netns` (a namespace file the caller kept: the namespace must outlive the container's
/// init for its devices to be moved) back to the calling thread's, under their names
/// there (`link`) and with the MTU they had, as LXC's `lxc_restore_phys_nics_to_netns`
/// does at stop. Every device is tried; the errors, one per device, name it.
pub fn restore_phys(
    netns: std::os::fd::BorrowedFd<'_>,
    attached: &[Attached],
) -> Result<(), Vec<String>> {
    let phys: Vec<&Attached> = attached.iter().filter(|a| a.kind == "phys").collect();
    if phys.is_empty() {
        return Ok(());
    }
    let fail = |e: io::Error| vec![format!("moving the phys devices back: {e}")];
    let here = std::fs::File::open("/proc/thread-self/ns/net").map_err(|e| {
        fail(io::Error::new(
            e.kind(),
            format!("opening /proc/thread-self/ns/net: {e}"),
        ))
    })?;
    let inside = NetlinkRoute::in_netns(netns).map_err(fail)?;
    let host = NetlinkRoute::current().map_err(fail)?;
    let mut errors = Vec::new();
    for a in phys {
        let Some(original) = &a.link else { continue };
        let one = || -> io::Result<()> {
            let index = inside.link_index(&a.name)?.ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotFound,
                    "it is no longer in the container's network namespace",
                )
            })?;
            inside.move_to_netns_as(index, here.as_fd(), original)?;
            if let Some(mtu) = a.host_mtu {
                let back = host.link_index(original)?.ok_or_else(|| {
                    io::Error::new(io::ErrorKind::NotFound, "it did not arrive on the host")
                })?;
                host.set_mtu(back, mtu)?;
            }
            Ok(())
        };
        if let Err(e) = one() {
            errors.push(format!("{} (host device {original}): {e}", a.name));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The host's side of `nic`: its device, created with the container's end directly in
/// `netns`; returns the host link it is on.
fn create(
    host: &NetlinkRoute,
    netns: std::os::fd::BorrowedFd<'_>,
    nic: &Nic,
    created: &mut Vec<u32>,
) -> io::Result<(Option<LinkInfo>, Attached)> {
    let missing = |what: &str, name: &str| {
        io::Error::new(
            io::ErrorKind::NotFound,
            format!(
                "the {what} `{name}` (lxc.net.{}.link) does not exist on the host",
                nic.index
            ),
        )
    };
    let mut one = Attached {
        name: nic.name.clone(),
        kind: nic.kind.type_name().to_string(),
        ..Attached::default()
    };
    let link = match &nic.kind {
        NicKind::Veth {
            pair,
            link,
            mode,
            ipv4_routes,
            ipv6_routes,
        } => {
            let bridge = match link {
                Some(name) => {
                    let info = host
                        .link_info(name)?
                        .ok_or_else(|| missing("bridge", name))?;
                    if info.kind.as_deref() != Some("bridge") {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidInput,
                            format!(
                                "`{name}` (lxc.net.{}.link) is not a bridge but a {} interface: cgconfigd joins veths to Linux bridges only",
                                nic.index,
                                info.kind.as_deref().unwrap_or("physical")
                            ),
                        ));
                    }
                    Some(info)
                }
                None => None,
            };
            let host_name = match pair {
                Some(name) => name.clone(),
                None => veth_name()?,
            };
            let mtu = nic.mtu.or(bridge.as_ref().map(|b| b.mtu));
            let index = host.create_veth(&host_name, &nic.name, netns, mtu)?;
            created.push(index);
            if let Some(bridge) = &bridge {
                host.set_master(index, bridge.index)?;
            }
            host.set_up(index, true)?;
            // `veth.ipv4.route` / `ipv6.route`: the host routes these networks to the
            // container through its host end (LXC's `lxc_setup_ipv4_routes`).
            for r in ipv4_routes {
                host.add_route(IpAddr::V4(r.addr), r.prefix, index)?;
            }
            for r in ipv6_routes {
                host.add_route(IpAddr::V6(r.addr), r.prefix, index)?;
            }
            if *mode == VethMode::Router {
                router(host, nic, &host_name, index)?;
            }
            one.host = Some(host_name);
            one.link = link.clone();
            bridge
        }
        NicKind::Macvlan { link, mode } => {
            let lower = host.link_info(link)?.ok_or_else(|| missing("link", link))?;
            let mode = match mode {
                MacvlanMode::Private => net::MacvlanMode::Private,
                MacvlanMode::Vepa => net::MacvlanMode::Vepa,
                MacvlanMode::Bridge => net::MacvlanMode::Bridge,
                MacvlanMode::Passthru => net::MacvlanMode::Passthru,
            };
            host.create_macvlan(&nic.name, lower.index, mode, netns)?;
            one.link = Some(link.clone());
            Some(lower)
        }
        NicKind::Vlan { link, id } => {
            let lower = host.link_info(link)?.ok_or_else(|| missing("link", link))?;
            host.create_vlan(&nic.name, lower.index, *id, netns)?;
            one.link = Some(link.clone());
            Some(lower)
        }
        NicKind::Phys { link } => {
            // Moved in under its name in the container in one request (LXC moves it, then
            // its child renames it).
            let device = host
                .link_info(link)?
                .ok_or_else(|| missing("device", link))?;
            host.move_to_netns_as(device.index, netns, &nic.name)?;
            one.link = Some(link.clone());
            one.host_mtu = Some(device.mtu);
            None
        }
    };
    Ok((link, one))
}

/// The host's side of a router-mode veth whose host end is `host_name` (`index`), as
/// LXC's `netdev_configure_server_veth` makes it: for an IPv4 gateway address, forwarding
/// on the host end (`net.ipv4.conf.HOSTEND.forwarding = 1`, without which the kernel
/// answers no proxy ARP) and a proxy ARP entry for the gateway there; for an IPv6 one,
/// the same with `proxy_ndp` after checking that `net.ipv6.conf.all.forwarding` is on
/// (LXC refuses the start without it); then a host route to each of the container's
/// addresses (/32, /128) through the host end. The global forwarding settings are the
/// administrator's: nothing else is changed. Everything made here goes with the host
/// end, when the container's namespace goes.
fn router(host: &NetlinkRoute, nic: &Nic, host_name: &str, index: u32) -> io::Result<()> {
    if let Some(Gateway::Address(gw)) = nic.ipv4_gateway {
        net::set_conf(IpFamily::V4, host_name, "forwarding", "1")?;
        host.add_proxy_neighbour(IpAddr::V4(gw), index)?;
    }
    if let Some(Gateway::Address(gw)) = nic.ipv6_gateway {
        if net::conf(IpFamily::V6, "all", "forwarding")? != "1" {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!(
                    "`lxc.net.{}.veth.mode = router` with an IPv6 gateway needs IPv6 forwarding: \
                     net.ipv6.conf.all.forwarding is 0 on the host (LXC refuses this start too; \
                     `sysctl -w net.ipv6.conf.all.forwarding=1`)",
                    nic.index
                ),
            ));
        }
        net::set_conf(IpFamily::V6, host_name, "forwarding", "1")?;
        net::set_conf(IpFamily::V6, host_name, "proxy_ndp", "1")?;
        host.add_proxy_neighbour(IpAddr::V6(gw), index)?;
    }
    for a in &nic.ipv4 {
        host.add_route(IpAddr::V4(a.addr), 32, index)?;
    }
    for a in &nic.ipv6 {
        host.add_route(IpAddr::V6(a.addr), 128, index)?;
    }
    Ok(())
}

/// The container's side of `nic`: hardware address, MTU, addresses, up.
fn configure(inside: &NetlinkRoute, nic: &Nic, one: &mut Attached) -> io::Result<()> {
    let index = inside.link_index(&nic.name)?.ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            "the interface is not in the container's network namespace",
        )
    })?;
    if let Some(HwAddr(mac)) = nic.hwaddr {
        inside.set_mac(index, mac)?;
    }
    if let (Some(mtu), false) = (nic.mtu, matches!(nic.kind, NicKind::Veth { .. })) {
        inside.set_mtu(index, mtu)?;
    }
    for a in &nic.ipv4 {
        inside.add_address(
            index,
            IpAddr::V4(a.addr),
            a.prefix,
            a.broadcast_or_default(),
        )?;
    }
    for a in &nic.ipv6 {
        inside.add_address(index, IpAddr::V6(a.addr), a.prefix, None)?;
    }
    if nic.up {
        inside.set_up(index, true)?;
    }
    one.hwaddr = inside
        .link_by_index(index)?
        .and_then(|l| l.mac)
        .map(net::format_mac);
    Ok(())
}

/// `ipv4.gateway` and `ipv6.gateway` of `nic`: default routes in the container (`auto`:
/// through the first address of the link on the host, as LXC).
fn gateways(
    host: &NetlinkRoute,
    inside: &NetlinkRoute,
    nic: &Nic,
    link: Option<&LinkInfo>,
) -> io::Result<()> {
    if nic.ipv4_gateway.is_none() && nic.ipv6_gateway.is_none() {
        return Ok(());
    }
    let index = inside
        .link_index(&nic.name)?
        .ok_or_else(|| io::Error::from_raw_os_error(libc::ENODEV))?;
    let auto = |v6: bool| -> io::Result<IpAddr> {
        let family = if v6 { "ipv6" } else { "ipv4" };
        let no = || {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "`lxc.net.{}.{family}.gateway = auto`: the link{} has no {family} address",
                    nic.index,
                    link.map(|l| format!(" `{}`", l.name)).unwrap_or_default()
                ),
            )
        };
        let link = link.ok_or_else(no)?;
        host.addresses(link.index)?
            .into_iter()
            .map(|a| a.addr)
            .find(|a| match a {
                IpAddr::V4(_) => !v6,
                // A link-local address is no gateway for the container's global ones.
                IpAddr::V6(a) => v6 && (a.segments()[0] & 0xffc0) != 0xfe80,
            })
            .ok_or_else(no)
    };
    match &nic.ipv4_gateway {
        Some(Gateway::Address(a)) => inside.add_default_route(IpAddr::V4(*a), index)?,
        Some(Gateway::Auto) => inside.add_default_route(auto(false)?, index)?,
        Some(Gateway::Dev) => inside.add_device_default_route(IpFamily::V4, index)?,
        None => {}
    }
    match &nic.ipv6_gateway {
        Some(Gateway::Address(a)) => inside.add_default_route(IpAddr::V6(*a), index)?,
        Some(Gateway::Auto) => inside.add_default_route(auto(true)?, index)?,
        Some(Gateway::Dev) => inside.add_device_default_route(IpFamily::V6, index)?,
        None => {}
    }
    Ok(())
}

/// A host end's name as LXC makes one: `veth` and six random letters and digits.
fn veth_name() -> io::Result<String> {
    const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut bytes = [0u8; 6];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| io::Error::new(e.kind(), format!("reading /dev/urandom: {e}")))?;
    let mut name = String::from("veth");
    name.extend(
        bytes
            .iter()
            .map(|b| ALNUM[usize::from(*b) % ALNUM.len()] as char),
    );
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_host_ends_are_lxcs_shape_and_differ() {
        let a = veth_name().unwrap();
        let b = veth_name().unwrap();
        assert_eq!(a.len(), 10);
        assert!(a.starts_with("veth"));
        assert!(a[4..].bytes().all(|c| c.is_ascii_alphanumeric()), "{a}");
        assert_ne!(a, b);
    }
}
