//! Container networking, the mechanism: a synchronous rtnetlink client that creates,
//! configures, moves and reads network interfaces, addresses and routes, in the caller's
//! network namespace or in another process's.
//!
//! It knows nothing of LXC's keys: it takes names, addresses, prefixes and MTUs. The
//! launcher turns `lxc.net.N.*` into calls of it (docs/containers.md, section 14).
//!
//! **Why a socket per namespace.** A netlink socket talks to the network namespace it was
//! created in, for its whole life. [`NetlinkRoute::in_netns`] creates one in another
//! namespace from a short-lived thread that `setns()`es there, opens the socket and
//! exits; the socket is then used from the caller's thread like any other. The calling
//! thread never changes namespace, so nothing can leave it (or, through an early return,
//! the next request of a daemon serving many containers) in a container's namespace, and
//! several namespaces can be worked on at once, each through its own socket.
//!
//! **Why the peer is created in the container's namespace.** As LXC does, a veth's peer is
//! created directly in the target namespace ([`NetlinkRoute::create_veth`] puts
//! `IFLA_NET_NS_FD` in the peer's own part of the request), under its final name: it
//! never exists in the host's namespace, so its name cannot clash with a host interface
//! and a crash between two steps cannot leave it there. Its host end dies with the
//! namespace: the kernel deletes a veth pair when either end's namespace goes away.
//! Macvlan and VLAN interfaces are created the same way (on their lower link, here; in
//! the target namespace). A socket holds a reference to its namespace: keep one open only
//! as long as it is used, or the namespace (and a veth's host end) outlives its last
//! process.
//!
//! **The messages** are built and parsed by `netlink-packet-route` (the rust-netlink
//! family that the `rtnetlink` crate is made of, without its async runtime) and sent on a
//! `netlink-sys` socket; `message.rs` builds them from plain values and reads the
//! replies, unit-tested without a kernel. Errors ([`NetError`] inside an `io::Error`) say
//! what was being done, with the interface's name, and the kernel's reason: its errno
//! and the extended acknowledgement's text when it sent one.

mod error;
mod message;

pub use error::{errno, NetError};

use netlink_packet_core::{
    NetlinkMessage, NetlinkPayload, NLM_F_ACK, NLM_F_CREATE, NLM_F_DUMP, NLM_F_DUMP_INTR,
    NLM_F_EXCL, NLM_F_REQUEST,
};
use netlink_packet_route::link::LinkAttribute;
use netlink_packet_route::RouteNetlinkMessage;
use netlink_sys::{protocols::NETLINK_ROUTE, Socket, SocketAddr};
use std::cell::Cell;
use std::fs::File;
use std::io;
use std::net::{IpAddr, Ipv4Addr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};

/// What is known of a network interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkInfo {
    /// Its index in its namespace.
    pub index: u32,
    /// Its name.
    pub name: String,
    /// Its kind (`IFLA_INFO_KIND`: "veth", "bridge", "macvlan", "vlan", ...); `None` for a
    /// physical interface and the loopback.
    pub kind: Option<String>,
    /// Its MTU.
    pub mtu: u32,
    /// Administratively up (`IFF_UP`).
    pub up: bool,
    /// Its hardware address, when it is an Ethernet one.
    pub mac: Option<[u8; 6]>,
    /// The index of the bridge (or bond) it is enslaved to.
    pub master: Option<u32>,
    /// The index of the link it is stacked on or paired with (`IFLA_LINK`: a macvlan's or
    /// VLAN's lower link; a veth's peer, whose index is in the peer's namespace).
    pub lower: Option<u32>,
}

/// An address of an interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Address {
    /// The interface's index.
    pub index: u32,
    /// The interface's name.
    pub ifname: String,
    /// The address.
    pub addr: IpAddr,
    /// Its prefix length.
    pub prefix: u8,
    /// Its broadcast address (IPv4).
    pub broadcast: Option<Ipv4Addr>,
}

/// A route of the main table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// The destination; `None` for a default route.
    pub destination: Option<IpAddr>,
    /// The destination's prefix length.
    pub prefix: u8,
    /// The gateway; `None` for a route on the link.
    pub gateway: Option<IpAddr>,
    /// The output interface.
    pub index: Option<u32>,
    /// Whether its scope is `link` (the destination is on the link).
    pub link_scope: bool,
}

/// A proxy neighbour entry (`ip neigh show proxy`): the interface `index` answers ARP or
/// neighbour solicitations for `addr`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProxyNeighbour {
    /// The address answered for.
    pub addr: IpAddr,
    /// The interface that answers.
    pub index: u32,
}

/// Traffic counters of an interface (`IFLA_STATS64`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Bytes received.
    pub rx_bytes: u64,
    /// Bytes sent.
    pub tx_bytes: u64,
    /// Packets received.
    pub rx_packets: u64,
    /// Packets sent.
    pub tx_packets: u64,
}

/// The mode of a macvlan interface (LXC's `lxc.net.N.macvlan.mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MacvlanMode {
    /// No traffic between macvlans of the same lower link.
    Private,
    /// Traffic between them goes through the external switch.
    Vepa,
    /// The lower link bridges between its macvlans.
    Bridge,
    /// One macvlan takes over the lower link.
    Passthru,
}

/// An IP version, for routes that name no address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IpFamily {
    /// IPv4.
    V4,
    /// IPv6.
    V6,
}

/// The biggest datagram a reply can be: the kernel sizes a dump's messages after the
/// reader's buffer, up to 32 KiB.
const RECV_BUF: usize = 64 * 1024;
/// How many times a listing interrupted by a change (`NLM_F_DUMP_INTR`) is started again.
const DUMP_ATTEMPTS: usize = 5;

/// A `NETLINK_ROUTE` socket bound in one network namespace, and the operations made
/// through it. Requests are synchronous: each waits for the kernel's acknowledgement.
#[derive(Debug)]
pub struct NetlinkRoute {
    socket: Socket,
    seq: Cell<u32>,
}

impl NetlinkRoute {
    /// A socket in the calling thread's network namespace.
    pub fn current() -> io::Result<NetlinkRoute> {
        let what = || "opening a netlink socket".to_string();
        let mut socket = Socket::new(NETLINK_ROUTE).map_err(|e| error::os(what(), &e))?;
        socket.bind_auto().map_err(|e| error::os(what(), &e))?;
        socket
            .connect(&SocketAddr::new(0, 0))
            .map_err(|e| error::os(what(), &e))?;
        // The kernel's text with its errno (Linux 4.12), and errors that echo only the
        // request's header. Older kernels give the errno alone.
        let _ = socket.set_ext_ack(true);
        let _ = socket.set_cap_ack(true);
        Ok(NetlinkRoute {
            socket,
            seq: Cell::new(0),
        })
    }

    /// A socket in the network namespace `ns`: a namespace file (`/proc/PID/ns/net`, a
    /// bind mount of one) or a pidfd (Linux 5.8). Created by a short-lived thread that
    /// enters the namespace, opens the socket and exits: the calling thread's namespace
    /// never changes.
    pub fn in_netns(ns: BorrowedFd<'_>) -> io::Result<NetlinkRoute> {
        std::thread::scope(|scope| {
            let opener = std::thread::Builder::new()
                .name("netns-socket".into())
                .spawn_scoped(scope, move || {
                    nix::sched::setns(ns, nix::sched::CloneFlags::CLONE_NEWNET).map_err(|e| {
                        error::kernel(
                            "entering a network namespace to open a netlink socket there".into(),
                            e as i32,
                            None,
                        )
                    })?;
                    NetlinkRoute::current()
                })
                .map_err(|e| {
                    error::os(
                        "starting a thread to open a netlink socket in a network namespace".into(),
                        &e,
                    )
                })?;
            opener.join().unwrap_or_else(|_| {
                Err(error::other(
                    "opening a netlink socket in a network namespace".into(),
                    "its thread panicked",
                ))
            })
        })
    }

    /// A socket in the network namespace of process `pid` ([`NetlinkRoute::in_netns`] on
    /// its `/proc/PID/ns/net`).
    pub fn in_netns_of(pid: i32) -> io::Result<NetlinkRoute> {
        let ns = open_netns(pid)?;
        NetlinkRoute::in_netns(ns.as_fd())
    }

    // ---- links ----

    /// The index of the interface `name`; `None` when there is none.
    pub fn link_index(&self, name: &str) -> io::Result<Option<u32>> {
        Ok(self.link_info(name)?.map(|l| l.index))
    }

    /// What is known of the interface `name`; `None` when there is none.
    pub fn link_info(&self, name: &str) -> io::Result<Option<LinkInfo>> {
        let msg = RouteNetlinkMessage::GetLink(message::link_by_name(name));
        self.one_link(msg, || format!("reading interface {name}"))
    }

    /// What is known of the interface `index`; `None` when there is none.
    pub fn link_by_index(&self, index: u32) -> io::Result<Option<LinkInfo>> {
        let msg = RouteNetlinkMessage::GetLink(message::link(index));
        self.one_link(msg, || format!("reading interface #{index}"))
    }

    fn one_link(
        &self,
        msg: RouteNetlinkMessage,
        what: impl Fn() -> String,
    ) -> io::Result<Option<LinkInfo>> {
        match self.exchange(msg, 0, &what) {
            Ok(replies) => Ok(replies.iter().find_map(|r| match r {
                RouteNetlinkMessage::NewLink(l) => message::parse_link(l),
                _ => None,
            })),
            Err(e) if errno(&e) == Some(libc::ENODEV) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every interface of the namespace, in the kernel's order.
    pub fn links(&self) -> io::Result<Vec<LinkInfo>> {
        let msg = RouteNetlinkMessage::GetLink(Default::default());
        let replies = self.exchange(msg, NLM_F_DUMP, &|| "listing interfaces".to_string())?;
        Ok(replies
            .iter()
            .filter_map(|r| match r {
                RouteNetlinkMessage::NewLink(l) => message::parse_link(l),
                _ => None,
            })
            .collect())
    }

    /// Creates a veth pair: `host_name` in this socket's namespace, its peer `peer_name`
    /// directly in the namespace `peer_netns` (a namespace file, from [`open_netns`]: the
    /// kernel refuses a pidfd there with `EINVAL`), both with `mtu` when given. Both ends are down. Returns the host
    /// end's index.
    pub fn create_veth(
        &self,
        host_name: &str,
        peer_name: &str,
        peer_netns: BorrowedFd<'_>,
        mtu: Option<u32>,
    ) -> io::Result<u32> {
        let what = || {
            format!("creating veth {host_name} (peer {peer_name} in the target network namespace)")
        };
        let msg = message::veth(host_name, peer_name, peer_netns.as_raw_fd(), mtu);
        self.create(RouteNetlinkMessage::NewLink(msg), &what)?;
        self.created_index(host_name, &what)
    }

    /// Creates a bridge `name` (down). Returns its index.
    pub fn create_bridge(&self, name: &str) -> io::Result<u32> {
        let what = || format!("creating bridge {name}");
        self.create(RouteNetlinkMessage::NewLink(message::bridge(name)), &what)?;
        self.created_index(name, &what)
    }

    /// Creates a macvlan `name` in `mode` on the interface `link_index` of this socket's
    /// namespace, directly in the namespace `netns` (a namespace file; it may be this one).
    pub fn create_macvlan(
        &self,
        name: &str,
        link_index: u32,
        mode: MacvlanMode,
        netns: BorrowedFd<'_>,
    ) -> io::Result<()> {
        let what = || {
            format!(
                "creating macvlan {name} ({mode:?} mode) on {}",
                self.name_of(link_index)
            )
        };
        let msg = message::macvlan(name, link_index, mode, netns.as_raw_fd());
        self.create(RouteNetlinkMessage::NewLink(msg), &what)
    }

    /// Creates a VLAN interface `name` with `id` on the interface `link_index` of this
    /// socket's namespace, directly in the namespace `netns` (a namespace file; it may be
    /// this one).
    pub fn create_vlan(
        &self,
        name: &str,
        link_index: u32,
        id: u16,
        netns: BorrowedFd<'_>,
    ) -> io::Result<()> {
        let what = || {
            format!(
                "creating vlan {name} (id {id}) on {}",
                self.name_of(link_index)
            )
        };
        let msg = message::vlan(name, link_index, id, netns.as_raw_fd());
        self.create(RouteNetlinkMessage::NewLink(msg), &what)
    }

    /// Enslaves the interface `index` to the bridge `bridge_index` (0: frees it from its
    /// master).
    pub fn set_master(&self, index: u32, bridge_index: u32) -> io::Result<()> {
        let msg = message::set_attribute(index, LinkAttribute::Controller(bridge_index));
        self.change(RouteNetlinkMessage::SetLink(msg), &|| {
            if bridge_index == 0 {
                format!("freeing {} from its bridge", self.name_of(index))
            } else {
                format!(
                    "attaching {} to bridge {}",
                    self.name_of(index),
                    self.name_of(bridge_index)
                )
            }
        })
    }

    /// Brings the interface `index` up or down (`IFF_UP`; nothing else changes).
    pub fn set_up(&self, index: u32, up: bool) -> io::Result<()> {
        let msg = message::set_up(index, up);
        self.change(RouteNetlinkMessage::SetLink(msg), &|| {
            let state = if up { "up" } else { "down" };
            format!("bringing {} {state}", self.name_of(index))
        })
    }

    /// Sets the MTU of the interface `index`.
    pub fn set_mtu(&self, index: u32, mtu: u32) -> io::Result<()> {
        let msg = message::set_attribute(index, LinkAttribute::Mtu(mtu));
        self.change(RouteNetlinkMessage::SetLink(msg), &|| {
            format!("setting the MTU of {} to {mtu}", self.name_of(index))
        })
    }

    /// Renames the interface `index` (kernels before 6.2, and some drivers, refuse while
    /// it is up: `EBUSY`; rename it before bringing it up, as LXC does).
    pub fn set_name(&self, index: u32, name: &str) -> io::Result<()> {
        let msg = message::set_attribute(index, LinkAttribute::IfName(name.to_string()));
        self.change(RouteNetlinkMessage::SetLink(msg), &|| {
            format!("renaming {} to {name}", self.name_of(index))
        })
    }

    /// Sets the hardware address of the interface `index`.
    pub fn set_mac(&self, index: u32, mac: [u8; 6]) -> io::Result<()> {
        let msg = message::set_attribute(index, LinkAttribute::Address(mac.to_vec()));
        self.change(RouteNetlinkMessage::SetLink(msg), &|| {
            format!(
                "setting the hardware address of {} to {}",
                self.name_of(index),
                format_mac(mac)
            )
        })
    }

    /// Moves the interface `index` to the network namespace `netns` (a namespace file)
    /// (LXC's `phys` type, and back at stop). Its index may change there; find it again by name.
    pub fn move_to_netns(&self, index: u32, netns: BorrowedFd<'_>) -> io::Result<()> {
        let msg = message::set_attribute(index, LinkAttribute::NetNsFd(netns.as_raw_fd()));
        self.change(RouteNetlinkMessage::SetLink(msg), &|| {
            format!(
                "moving {} to another network namespace",
                self.name_of(index)
            )
        })
    }

    /// Moves the interface `index` to the network namespace `netns` (a namespace file)
    /// under the name `name` there, in one request (the kernel renames it as it moves it,
    /// so a name taken here or there does not matter): LXC's `phys`, moved in under its
    /// name in the container and back under its own.
    pub fn move_to_netns_as(
        &self,
        index: u32,
        netns: BorrowedFd<'_>,
        name: &str,
    ) -> io::Result<()> {
        let mut msg = message::set_attribute(index, LinkAttribute::NetNsFd(netns.as_raw_fd()));
        msg.attributes.push(LinkAttribute::IfName(name.to_string()));
        self.change(RouteNetlinkMessage::SetLink(msg), &|| {
            format!(
                "moving {} to another network namespace as {name}",
                self.name_of(index)
            )
        })
    }

    /// Deletes the interface `index` (both ends of a veth pair).
    pub fn delete_link(&self, index: u32) -> io::Result<()> {
        let msg = message::link(index);
        self.change(RouteNetlinkMessage::DelLink(msg), &|| {
            format!("deleting {}", self.name_of(index))
        })
    }

    /// The traffic counters of the interface `index`.
    pub fn stats(&self, index: u32) -> io::Result<Stats> {
        let what = || format!("reading the counters of {}", self.name_of(index));
        let msg = RouteNetlinkMessage::GetLink(message::link(index));
        let replies = self.exchange(msg, 0, &what)?;
        replies
            .iter()
            .find_map(|r| match r {
                RouteNetlinkMessage::NewLink(l) => message::parse_stats(l),
                _ => None,
            })
            .ok_or_else(|| error::other(what(), "the kernel sent no counters"))
    }

    // ---- addresses ----

    /// Adds `addr/prefix` to the interface `index`, with `broadcast` (IPv4; ignored for
    /// IPv6). The kernel adds the route to the subnet.
    pub fn add_address(
        &self,
        index: u32,
        addr: IpAddr,
        prefix: u8,
        broadcast: Option<Ipv4Addr>,
    ) -> io::Result<()> {
        let msg = message::address(index, addr, prefix, broadcast);
        self.create(RouteNetlinkMessage::NewAddress(msg), &|| {
            format!("adding address {addr}/{prefix} to {}", self.name_of(index))
        })
    }

    /// The addresses of the interface `index`.
    pub fn addresses(&self, index: u32) -> io::Result<Vec<Address>> {
        let what = || format!("listing the addresses of {}", self.name_of(index));
        let mut found: Vec<Address> = self
            .address_dump(&what)?
            .into_iter()
            .filter(|a| a.index == index)
            .collect();
        if !found.is_empty() {
            let name = self.name_of(index);
            for a in &mut found {
                a.ifname.clone_from(&name);
            }
        }
        Ok(found)
    }

    /// Every address of the namespace, with its interface's name.
    pub fn all_addresses(&self) -> io::Result<Vec<Address>> {
        let mut found = self.address_dump(&|| "listing addresses".to_string())?;
        let links = self.links()?;
        for a in &mut found {
            if let Some(link) = links.iter().find(|l| l.index == a.index) {
                a.ifname.clone_from(&link.name);
            }
        }
        Ok(found)
    }

    fn address_dump(&self, what: &dyn Fn() -> String) -> io::Result<Vec<Address>> {
        let msg = RouteNetlinkMessage::GetAddress(Default::default());
        let replies = self.exchange(msg, NLM_F_DUMP, what)?;
        Ok(replies
            .iter()
            .filter_map(|r| match r {
                RouteNetlinkMessage::NewAddress(a) => message::parse_address(a),
                _ => None,
            })
            .collect())
    }

    // ---- routes ----

    /// Adds the default route via `gateway` on the interface `index`, which must be up
    /// with its addresses (the kernel routes a subnet only while its link is up).
    /// When no address of the interface puts the gateway on a local subnet, a link-scope
    /// route to the gateway is added first, as LXC does, so that a gateway outside the
    /// container's subnet (a host's address routed to the bridge) works.
    pub fn add_default_route(&self, gateway: IpAddr, index: u32) -> io::Result<()> {
        let family = match gateway {
            IpAddr::V4(_) => IpFamily::V4,
            IpAddr::V6(_) => IpFamily::V6,
        };
        let local: Vec<(IpAddr, u8)> = self
            .addresses(index)?
            .into_iter()
            .map(|a| (a.addr, a.prefix))
            .collect();
        if message::needs_route_to_gateway(gateway, &local) {
            let host = match family {
                IpFamily::V4 => 32,
                IpFamily::V6 => 128,
            };
            let msg = message::route(family, Some((gateway, host)), None, index);
            match self.create(RouteNetlinkMessage::NewRoute(msg), &|| {
                format!(
                    "adding the route to gateway {gateway} on {}",
                    self.name_of(index)
                )
            }) {
                Err(e) if errno(&e) != Some(libc::EEXIST) => return Err(e),
                _ => {}
            }
        }
        let msg = message::route(family, None, Some(gateway), index);
        self.create(RouteNetlinkMessage::NewRoute(msg), &|| {
            format!(
                "adding the default route via {gateway} on {}",
                self.name_of(index)
            )
        })
    }

    /// Adds a default route of `family` straight on the interface `index`, without a
    /// gateway (LXC's `lxc.net.N.ipv4.gateway = dev`).
    pub fn add_device_default_route(&self, family: IpFamily, index: u32) -> io::Result<()> {
        let msg = message::route(family, None, None, index);
        self.create(RouteNetlinkMessage::NewRoute(msg), &|| {
            format!("adding the default route on {}", self.name_of(index))
        })
    }

    /// Adds a route to `dest/prefix` straight through the interface `index` (`scope link`,
    /// no gateway), as LXC's `lxc_ipv4_dest_add`: `veth.ipv4.route` / `ipv6.route` and a
    /// router-mode veth's routes to the container's addresses, on its host end.
    pub fn add_route(&self, dest: IpAddr, prefix: u8, index: u32) -> io::Result<()> {
        let family = match dest {
            IpAddr::V4(_) => IpFamily::V4,
            IpAddr::V6(_) => IpFamily::V6,
        };
        let msg = message::route(family, Some((dest, prefix)), None, index);
        self.create(RouteNetlinkMessage::NewRoute(msg), &|| {
            format!(
                "adding the route to {dest}/{prefix} on {}",
                self.name_of(index)
            )
        })
    }

    /// Adds a proxy neighbour entry for `addr` on the interface `index` (`ip neigh add
    /// proxy ADDR dev IF`; LXC's `lxc_ip_neigh_proxy`): the interface answers ARP (IPv4)
    /// or neighbour solicitations (IPv6) for `addr`. The kernel answers for an IPv4 entry
    /// only when forwarding is on for the interface, and for an IPv6 one only with its
    /// `forwarding` and `proxy_ndp` ([`set_conf`]).
    pub fn add_proxy_neighbour(&self, addr: IpAddr, index: u32) -> io::Result<()> {
        let msg = message::proxy_neighbour(addr, index);
        self.create(RouteNetlinkMessage::NewNeighbour(msg), &|| {
            format!(
                "adding the proxy neighbour entry for {addr} on {}",
                self.name_of(index)
            )
        })
    }

    /// The proxy neighbour entries of `family`.
    pub fn proxy_neighbours(&self, family: IpFamily) -> io::Result<Vec<ProxyNeighbour>> {
        let msg = RouteNetlinkMessage::GetNeighbour(message::proxy_neighbour_dump(family));
        let replies = self.exchange(msg, NLM_F_DUMP, &|| {
            "listing proxy neighbour entries".to_string()
        })?;
        Ok(replies
            .iter()
            .filter_map(|r| match r {
                RouteNetlinkMessage::NewNeighbour(n) => message::parse_proxy_neighbour(n),
                _ => None,
            })
            .collect())
    }

    /// The routes of `family` in the main table.
    pub fn routes(&self, family: IpFamily) -> io::Result<Vec<Route>> {
        let msg = RouteNetlinkMessage::GetRoute(message::route_dump(family));
        let replies = self.exchange(msg, NLM_F_DUMP, &|| "listing routes".to_string())?;
        Ok(replies
            .iter()
            .filter_map(|r| match r {
                RouteNetlinkMessage::NewRoute(r) => message::parse_route(r),
                _ => None,
            })
            .collect())
    }

    // ---- transport ----

    /// The name of the interface `index` for a message; `interface #N` when it cannot be
    /// read.
    fn name_of(&self, index: u32) -> String {
        match self.link_by_index(index) {
            Ok(Some(link)) => link.name,
            _ => format!("interface #{index}"),
        }
    }

    /// The index of an interface just created.
    fn created_index(&self, name: &str, what: &dyn Fn() -> String) -> io::Result<u32> {
        self.link_index(name)?
            .ok_or_else(|| error::other(what(), "the new interface is not there"))
    }

    /// A creation: refused when it exists (`EEXIST`).
    fn create(&self, msg: RouteNetlinkMessage, what: &dyn Fn() -> String) -> io::Result<()> {
        self.exchange(msg, NLM_F_CREATE | NLM_F_EXCL, what)
            .map(drop)
    }

    /// A change of something that exists.
    fn change(&self, msg: RouteNetlinkMessage, what: &dyn Fn() -> String) -> io::Result<()> {
        self.exchange(msg, 0, what).map(drop)
    }

    fn next_seq(&self) -> u32 {
        let seq = self.seq.get().wrapping_add(1);
        self.seq.set(seq);
        seq
    }

    /// Sends `msg` with `flags` (plus `NLM_F_REQUEST`, and `NLM_F_ACK` unless it is a
    /// dump) and collects the replies until the acknowledgement or the end of the dump.
    /// A dump interrupted by a change is started again.
    fn exchange(
        &self,
        msg: RouteNetlinkMessage,
        flags: u16,
        what: &dyn Fn() -> String,
    ) -> io::Result<Vec<RouteNetlinkMessage>> {
        let dump = flags & NLM_F_DUMP == NLM_F_DUMP;
        let mut buf = vec![0u8; RECV_BUF];
        for _ in 0..DUMP_ATTEMPTS {
            let seq = self.next_seq();
            let mut nl = NetlinkMessage::from(msg.clone());
            nl.header.flags = NLM_F_REQUEST | flags | if dump { 0 } else { NLM_F_ACK };
            nl.header.sequence_number = seq;
            nl.finalize();
            let mut request = vec![0u8; nl.buffer_len()];
            nl.serialize(&mut request);
            self.socket
                .send(&request, 0)
                .map_err(|e| error::os(what(), &e))?;
            let mut reply = Reply::new(seq, dump);
            loop {
                let n = match self.socket.recv(&mut &mut buf[..], libc::MSG_TRUNC) {
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(error::os(what(), &e)),
                };
                if n > buf.len() {
                    return Err(error::other(
                        what(),
                        format!("a reply of {n} bytes exceeds the {RECV_BUF}-byte buffer"),
                    ));
                }
                match reply.absorb(&buf[..n]) {
                    Ok(false) => {}
                    Ok(true) => break,
                    Err(Failure::Kernel { errno, extack }) => {
                        return Err(error::kernel(what(), errno, extack))
                    }
                    Err(Failure::Decode(detail)) => return Err(error::other(what(), detail)),
                }
            }
            if !reply.interrupted {
                return Ok(reply.messages);
            }
        }
        Err(error::other(
            what(),
            format!("the kernel's listing was interrupted by changes {DUMP_ATTEMPTS} times"),
        ))
    }
}

/// Opens the network namespace of process `pid` (`/proc/PID/ns/net`), for
/// [`NetlinkRoute::in_netns`] and the `netns` arguments of the operations.
pub fn open_netns(pid: i32) -> io::Result<std::os::fd::OwnedFd> {
    let path = format!("/proc/{pid}/ns/net");
    File::open(&path)
        .map(std::os::fd::OwnedFd::from)
        .map_err(|e| error::os(format!("opening {path}"), &e))
}

/// The path of an interface's setting `/proc/sys/net/{ipv4,ipv6}/conf/IFNAME/KEY`.
fn conf_path(family: IpFamily, ifname: &str, key: &str) -> String {
    let family = match family {
        IpFamily::V4 => "ipv4",
        IpFamily::V6 => "ipv6",
    };
    format!("/proc/sys/net/{family}/conf/{ifname}/{key}")
}

/// Sets an interface's setting `net.{ipv4,ipv6}.conf.IFNAME.KEY` (`forwarding`,
/// `proxy_ndp`; IFNAME may be `all`) to `value`, in the network namespace of the
/// **calling thread** (the kernel serves `/proc/sys/net` from the namespace of whoever
/// opens it), not a socket's.
pub fn set_conf(family: IpFamily, ifname: &str, key: &str, value: &str) -> io::Result<()> {
    let path = conf_path(family, ifname, key);
    std::fs::write(&path, value).map_err(|e| error::os(format!("writing {value} to {path}"), &e))
}

/// An interface's setting `net.{ipv4,ipv6}.conf.IFNAME.KEY` in the calling thread's
/// network namespace, trimmed.
pub fn conf(family: IpFamily, ifname: &str, key: &str) -> io::Result<String> {
    let path = conf_path(family, ifname, key);
    std::fs::read_to_string(&path)
        .map(|v| v.trim().to_string())
        .map_err(|e| error::os(format!("reading {path}"), &e))
}

/// `00:16:3e:01:02:03`.
pub fn format_mac(mac: [u8; 6]) -> String {
    mac.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Why a reply ended a request.
#[derive(Debug, PartialEq, Eq)]
enum Failure {
    /// The kernel refused: its errno (positive) and extended acknowledgement text.
    Kernel { errno: i32, extack: Option<String> },
    /// A reply could not be read.
    Decode(String),
}

/// The replies of one request, as they arrive.
#[derive(Debug)]
struct Reply {
    seq: u32,
    dump: bool,
    messages: Vec<RouteNetlinkMessage>,
    interrupted: bool,
}

impl Reply {
    fn new(seq: u32, dump: bool) -> Reply {
        Reply {
            seq,
            dump,
            messages: Vec::new(),
            interrupted: false,
        }
    }

    /// Reads the netlink messages of one datagram; `Ok(true)` when the request is over
    /// (acknowledged, or its dump done). Messages of other requests (an earlier one given
    /// up on) are skipped.
    fn absorb(&mut self, data: &[u8]) -> Result<bool, Failure> {
        let mut offset = 0;
        while data.len().saturating_sub(offset) >= 16 {
            let rest = &data[offset..];
            let field = |at: usize| [rest[at], rest[at + 1], rest[at + 2], rest[at + 3]];
            let len = u32::from_ne_bytes(field(0)) as usize;
            if len < 16 || len > rest.len() {
                return Err(Failure::Decode(format!(
                    "a reply's message says {len} bytes, {} are left",
                    rest.len()
                )));
            }
            let flags = u16::from_ne_bytes([rest[6], rest[7]]);
            let seq = u32::from_ne_bytes(field(8));
            offset += (len + 3) & !3;
            if seq != self.seq {
                continue;
            }
            if flags & NLM_F_DUMP_INTR != 0 {
                self.interrupted = true;
            }
            let msg = NetlinkMessage::<RouteNetlinkMessage>::deserialize(&rest[..len])
                .map_err(|e| Failure::Decode(format!("a reply could not be read: {e}")))?;
            match msg.payload {
                NetlinkPayload::Error(e) => match e.code {
                    None => return Ok(true),
                    Some(code) => {
                        return Err(Failure::Kernel {
                            errno: code.get().saturating_abs(),
                            extack: error::extack_message(flags, &e.header),
                        })
                    }
                },
                NetlinkPayload::Done(done) => {
                    if done.code < 0 {
                        return Err(Failure::Kernel {
                            errno: done.code.saturating_abs(),
                            extack: error::extack_text(&done.extended_ack),
                        });
                    }
                    if self.dump {
                        return Ok(true);
                    }
                }
                NetlinkPayload::InnerMessage(inner) => self.messages.push(inner),
                NetlinkPayload::Overrun(_) => {
                    return Err(Failure::Decode("the kernel's reply overran".into()))
                }
                _ => {}
            }
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use netlink_packet_core::{DoneMessage, ErrorMessage, NetlinkHeader, NLM_F_MULTIPART};
    use netlink_packet_route::link::LinkMessage;
    use std::num::NonZeroI32;

    fn bytes(payload: NetlinkPayload<RouteNetlinkMessage>, seq: u32, flags: u16) -> Vec<u8> {
        let mut nl = NetlinkMessage::new(NetlinkHeader::default(), payload);
        nl.header.sequence_number = seq;
        nl.header.flags = flags;
        nl.finalize();
        let mut buf = vec![0u8; nl.buffer_len()];
        nl.serialize(&mut buf);
        buf
    }

    fn link_reply(name: &str, seq: u32, flags: u16) -> Vec<u8> {
        let mut l = LinkMessage::default();
        l.header.index = 3;
        l.attributes.push(LinkAttribute::IfName(name.into()));
        bytes(
            NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewLink(l)),
            seq,
            flags,
        )
    }

    fn ack(seq: u32, code: i32) -> Vec<u8> {
        let mut e = ErrorMessage::default();
        e.code = NonZeroI32::new(code);
        e.header = vec![0; 16];
        bytes(NetlinkPayload::Error(e), seq, 0)
    }

    fn done(seq: u32, code: i32) -> Vec<u8> {
        let mut d = DoneMessage::default();
        d.code = code;
        bytes(NetlinkPayload::Done(d), seq, NLM_F_MULTIPART)
    }

    #[test]
    fn a_request_ends_at_its_acknowledgement() {
        let mut reply = Reply::new(7, false);
        let mut data = link_reply("eth0", 7, 0);
        data.extend(ack(7, 0));
        assert_eq!(reply.absorb(&data), Ok(true));
        assert_eq!(reply.messages.len(), 1);
    }

    #[test]
    fn a_refusal_is_the_kernel_s_errno() {
        let mut reply = Reply::new(7, false);
        assert_eq!(
            reply.absorb(&ack(7, -libc::EEXIST)),
            Err(Failure::Kernel {
                errno: libc::EEXIST,
                extack: None
            })
        );
    }

    #[test]
    fn replies_to_another_request_are_skipped() {
        let mut reply = Reply::new(8, false);
        let mut data = ack(7, -libc::ENODEV);
        data.extend(link_reply("stale", 7, 0));
        assert_eq!(reply.absorb(&data), Ok(false));
        assert!(reply.messages.is_empty());
        assert_eq!(reply.absorb(&ack(8, 0)), Ok(true));
    }

    #[test]
    fn a_dump_spans_datagrams_until_done() {
        let mut reply = Reply::new(2, true);
        let mut first = link_reply("lo", 2, NLM_F_MULTIPART);
        first.extend(link_reply("eth0", 2, NLM_F_MULTIPART));
        assert_eq!(reply.absorb(&first), Ok(false));
        let mut second = link_reply("eth1", 2, NLM_F_MULTIPART);
        second.extend(done(2, 0));
        assert_eq!(reply.absorb(&second), Ok(true));
        assert_eq!(reply.messages.len(), 3);
        assert!(!reply.interrupted);
    }

    #[test]
    fn an_interrupted_dump_is_marked_and_a_failed_one_refused() {
        let mut reply = Reply::new(2, true);
        let mut data = link_reply("lo", 2, NLM_F_MULTIPART | NLM_F_DUMP_INTR);
        data.extend(done(2, 0));
        assert_eq!(reply.absorb(&data), Ok(true));
        assert!(reply.interrupted);
        let mut reply = Reply::new(3, true);
        assert_eq!(
            reply.absorb(&done(3, -libc::EINVAL)),
            Err(Failure::Kernel {
                errno: libc::EINVAL,
                extack: None
            })
        );
    }

    #[test]
    fn a_truncated_message_is_a_decode_error_not_a_panic() {
        let data = link_reply("eth0", 1, 0);
        let mut reply = Reply::new(1, false);
        assert!(matches!(
            reply.absorb(&data[..data.len() - 4]),
            Err(Failure::Decode(_))
        ));
        // Less than a header: nothing to read yet.
        assert_eq!(Reply::new(1, false).absorb(&data[..10]), Ok(false));
    }

    #[test]
    fn macs_are_printed_as_ip_prints_them() {
        assert_eq!(
            format_mac([0, 0x16, 0x3e, 0xab, 1, 0xff]),
            "00:16:3e:ab:01:ff"
        );
    }
}
