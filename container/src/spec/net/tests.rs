//! The pure parts of `lxc.net.N.*`: MAC templates, names, addresses.

use super::*;

/// A `random` that hands out 0x0f, 0x0e, 0x0d, ... so each x digit is known.
fn countdown() -> impl FnMut() -> u8 {
    let mut next = 0x10u8;
    move || {
        next = next.wrapping_sub(1);
        next
    }
}

#[test]
fn each_x_is_a_random_digit_and_the_first_byte_stays_unicast() {
    // Digit 1 of `xx` is masked with 0x0e (LXC's rand_complete_hwaddr): 0x0e -> `e`, not `f`.
    assert_eq!(
        complete_hwaddr("xx:16:3e:xX:Xx:00", countdown()),
        Ok([0xfe, 0x16, 0x3e, 0xdc, 0xba, 0x00])
    );
    // Every draw of the unicast digit gives an even digit.
    for b in 0..=255u8 {
        let mac = complete_hwaddr("0x:00:00:00:00:01", || b).unwrap();
        assert_eq!(mac[0] & 1, 0, "draw {b}");
    }
    // Only x's are drawn: a fixed address draws nothing.
    let mut draws = 0;
    assert_eq!(
        complete_hwaddr("00:16:3E:04:5c:3b", || {
            draws += 1;
            0
        }),
        Ok([0x00, 0x16, 0x3e, 0x04, 0x5c, 0x3b])
    );
    assert_eq!(draws, 0);
}

#[test]
fn bad_mac_addresses_are_refused() {
    for bad in [
        "",
        "00:16:3e:xx:xx",
        "00:16:3e:xx:xx:xx:xx",
        "0:16:3e:01:02:03",
        "00-16-3e-01-02-03",
        "00:16:3g:01:02:03",
        "00:16:3e:01:02:03 ",
        "é0:16:3e:01:02:03",
    ] {
        assert!(
            matches!(complete_hwaddr(bad, || 0), Err(HwAddrError::Format(_))),
            "{bad:?}"
        );
    }
    assert_eq!(
        complete_hwaddr("01:16:3e:00:00:00", || 0),
        Err(HwAddrError::Multicast)
    );
    // A fixed odd low digit cannot be cured by the draw.
    assert_eq!(
        complete_hwaddr("x3:16:3e:00:00:00", || 0),
        Err(HwAddrError::Multicast)
    );
    assert_eq!(
        complete_hwaddr("00:00:00:00:00:xx", || 0),
        Err(HwAddrError::Zero)
    );
}

#[test]
fn a_stored_address_fits_its_template() {
    let mac = HwAddr([0x00, 0x16, 0x3e, 0x04, 0x5c, 0x3b]);
    assert_eq!(mac.to_string(), "00:16:3e:04:5c:3b");
    assert!(mac.fits("00:16:3e:xx:xx:xx"));
    assert!(mac.fits("00:16:3E:xX:Xx:xx"));
    assert!(!mac.fits("00:16:3f:xx:xx:xx"));
    assert!(!mac.fits("00:16:3e:xx:xx"));
    // The unicast digit: an odd digit where the template draws it does not fit.
    assert!(HwAddr([0x02, 0, 0, 0, 0, 1]).fits("xx:00:00:00:00:01"));
    assert!(!HwAddr([0x03, 0, 0, 0, 0, 1]).fits("0x:00:00:00:00:01"));
}

#[test]
fn interface_names_follow_the_kernels_rule() {
    for good in ["eth0", "lxcbr0", "vethABCDEF", "a", "fifteen-bytes-x", "é"] {
        assert_eq!(check_ifname(good), Ok(()), "{good}");
    }
    for bad in [
        "",
        "sixteen-bytes-xx",
        ".",
        "..",
        "eth/0",
        "eth:0",
        "eth 0",
        "eth\t0",
        "eth%d",
    ] {
        assert!(check_ifname(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn ipv4_addresses_as_lxc_reads_them() {
    let (net, derived) = ipv4_address("10.0.3.5/24 10.0.3.255").unwrap();
    assert!(!derived);
    assert_eq!(
        net,
        Ipv4Net {
            addr: Ipv4Addr::new(10, 0, 3, 5),
            prefix: 24,
            broadcast: Some(Ipv4Addr::new(10, 0, 3, 255))
        }
    );
    // Without a prefix: the class's (A, B, C; else 0), as LXC's config_ip_prefix.
    for (addr, prefix) in [
        ("10.1.2.3", 8),
        ("172.16.0.1", 16),
        ("192.168.1.1", 24),
        ("224.0.0.1", 0),
    ] {
        assert_eq!(ipv4_address(addr).unwrap(), {
            let a: Ipv4Addr = addr.parse().unwrap();
            (
                Ipv4Net {
                    addr: a,
                    prefix,
                    broadcast: None,
                },
                true,
            )
        });
    }
    let bad = ipv4_address("10.0.3.5/-1").unwrap_err();
    assert_eq!(bad.range, (9, 11));
    assert!(ipv4_address("10.0.3.5/").is_err());
    assert!(ipv4_address("10.0.3.5/24/1").is_err());
    assert!(ipv4_address("010.0.3.5/24").is_err());
    assert!(ipv4_address("").is_err());
    let extra = ipv4_address("10.0.3.5/24 10.0.3.255 x").unwrap_err();
    assert_eq!(extra.range, (23, 24));
}

#[test]
fn default_broadcast_addresses() {
    let net = |a: [u8; 4], prefix| Ipv4Net {
        addr: Ipv4Addr::from(a),
        prefix,
        broadcast: None,
    };
    assert_eq!(
        net([10, 0, 3, 5], 24).broadcast_or_default(),
        Some(Ipv4Addr::new(10, 0, 3, 255))
    );
    assert_eq!(
        net([10, 0, 3, 5], 0).broadcast_or_default(),
        Some(Ipv4Addr::BROADCAST)
    );
    assert_eq!(net([10, 0, 3, 5], 31).broadcast_or_default(), None);
    assert_eq!(net([10, 0, 3, 5], 32).broadcast_or_default(), None);
}

#[test]
fn ipv6_addresses_routes_and_gateways() {
    assert_eq!(
        ipv6_address("fd00::5").unwrap(),
        Ipv6Net {
            addr: "fd00::5".parse().unwrap(),
            prefix: 64
        }
    );
    assert_eq!(ipv6_address("fd00::5/128").unwrap().prefix, 128);
    assert!(ipv6_address("fd00::5/129").is_err());
    assert!(ipv6_address("10.0.0.1/24").is_err());
    assert_eq!(
        route::<Ipv4Addr>("10.0.0.0/8", 32, "IPv4").unwrap(),
        (Ipv4Addr::new(10, 0, 0, 0), 8)
    );
    assert!(route::<Ipv4Addr>("10.0.0.0", 32, "IPv4").is_err());
    assert!(route::<Ipv4Addr>("10.0.0.0/", 32, "IPv4").is_err());
    assert!(route::<Ipv6Addr>("fd00::/129", 128, "IPv6").is_err());
    assert_eq!(gateway::<Ipv4Addr>("auto", "IPv4").unwrap(), Gateway::Auto);
    assert_eq!(gateway::<Ipv4Addr>("dev", "IPv4").unwrap(), Gateway::Dev);
    assert_eq!(
        gateway::<Ipv6Addr>("fe80::1", "IPv6").unwrap(),
        Gateway::Address("fe80::1".parse().unwrap())
    );
    assert!(gateway::<Ipv4Addr>("fe80::1", "IPv4").is_err());
    assert!("fe80::1".parse::<Ipv6Addr>().unwrap().is_link_local());
    assert!(!"fd00::1".parse::<Ipv6Addr>().unwrap().is_link_local());
}

#[test]
fn vlan_ids_are_read_as_strtoul_reads_them() {
    assert_eq!(c_number("100"), Some(100));
    assert_eq!(c_number("0x64"), Some(100));
    assert_eq!(c_number("0144"), Some(100));
    assert_eq!(c_number("0"), Some(0));
    assert_eq!(c_number(""), None);
    assert_eq!(c_number("1e2"), None);
    assert_eq!(c_number("-1"), None);
}

proptest::proptest! {
    /// No text makes the readers panic, and every completed template fits itself.
    #[test]
    fn no_value_panics(text in "\\PC{0,40}", seed in proptest::num::u8::ANY) {
        let _ = ipv4_address(&text);
        let _ = ipv6_address(&text);
        let _ = route::<Ipv4Addr>(&text, 32, "IPv4");
        let _ = check_ifname(&text);
        let _ = c_number(&text);
        if let Ok(mac) = complete_hwaddr(&text, || seed) {
            proptest::prop_assert!(HwAddr(mac).fits(&text));
        }
    }
}
