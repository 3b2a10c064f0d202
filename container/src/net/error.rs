//! Errors of the rtnetlink client: what was being done (with the interface's name), and
//! the kernel's reason: its errno by name and text, and the extended acknowledgement's
//! message when the kernel sent one ("Unknown device type").
//!
//! Every operation returns `io::Result`; the error's inner value is a [`NetError`], and
//! [`errno`] gives the kernel's errno back (for a caller that decides on `EEXIST` or
//! `ENODEV`).

use netlink_packet_core::{NlasIterator, NLM_F_ACK_TLVS, NLM_F_CAPPED};
use std::fmt;
use std::io;

/// `NLMSGERR_ATTR_MSG`: the extended acknowledgement's text (include/uapi/linux/netlink.h).
const NLMSGERR_ATTR_MSG: u16 = 1;
/// The size of `struct nlmsghdr`, the echoed header of a capped error message.
const NLMSG_HDRLEN: usize = 16;

/// A failed operation on the network: what was being done and why it failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetError {
    /// What was being done, naming the interface ("creating veth vethAB12CD (peer eth0 in
    /// the target network namespace)").
    pub what: String,
    /// The kernel's errno, when the kernel refused.
    pub errno: Option<i32>,
    /// The kernel's extended acknowledgement text, when it sent one, or what else went
    /// wrong (a reply that could not be decoded).
    pub detail: Option<String>,
}

impl fmt::Display for NetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.what)?;
        match (self.errno, &self.detail) {
            (Some(errno), detail) => {
                let e = nix::errno::Errno::from_raw(errno);
                write!(f, "{e:?} ({}", e.desc())?;
                if let Some(detail) = detail {
                    write!(f, "; the kernel says: {detail}")?;
                }
                write!(f, ")")
            }
            (None, Some(detail)) => write!(f, "{detail}"),
            (None, None) => write!(f, "failed"),
        }
    }
}

impl std::error::Error for NetError {}

impl From<NetError> for io::Error {
    fn from(e: NetError) -> io::Error {
        let kind = match e.errno {
            Some(errno) => io::Error::from_raw_os_error(errno).kind(),
            None => io::ErrorKind::InvalidData,
        };
        io::Error::new(kind, e)
    }
}

/// The kernel's errno behind an error of this module (or a plain OS error).
pub fn errno(e: &io::Error) -> Option<i32> {
    e.raw_os_error().or_else(|| {
        e.get_ref()
            .and_then(|inner| inner.downcast_ref::<NetError>())
            .and_then(|n| n.errno)
    })
}

/// The error for `what` failing with the kernel's `errno` (positive) and its extended
/// acknowledgement text.
pub(crate) fn kernel(what: String, errno: i32, extack: Option<String>) -> io::Error {
    NetError {
        what,
        errno: Some(errno),
        detail: extack,
    }
    .into()
}

/// The error for `what` failing for a reason that is not an errno.
pub(crate) fn other(what: String, detail: impl Into<String>) -> io::Error {
    NetError {
        what,
        errno: None,
        detail: Some(detail.into()),
    }
    .into()
}

/// `e` (an OS error of a system call made for `what`) with `what` in front.
pub(crate) fn os(what: String, e: &io::Error) -> io::Error {
    match e.raw_os_error() {
        Some(errno) => kernel(what, errno, None),
        None => other(what, e.to_string()),
    }
}

/// The text of the extended acknowledgement (`NLMSGERR_ATTR_MSG`) in the payload of an
/// `NLMSG_ERROR` message after its error code, given the flags of that message: with
/// `NLM_F_ACK_TLVS` the attributes follow the echoed request, which is only its header
/// when `NLM_F_CAPPED` is set and the whole request otherwise.
pub(crate) fn extack_message(flags: u16, payload: &[u8]) -> Option<String> {
    if flags & NLM_F_ACK_TLVS == 0 {
        return None;
    }
    let echoed = if flags & NLM_F_CAPPED != 0 {
        NLMSG_HDRLEN
    } else {
        let len: [u8; 4] = payload.get(0..4)?.try_into().ok()?;
        u32::from_ne_bytes(len) as usize
    };
    let start = echoed.checked_add(3)? & !3;
    extack_text(payload.get(start..)?)
}

/// The text (`NLMSGERR_ATTR_MSG`) among the extended acknowledgement's attributes `tlvs`
/// (what follows the echoed request of an error, or the code of an `NLMSG_DONE`).
pub(crate) fn extack_text(tlvs: &[u8]) -> Option<String> {
    NlasIterator::new(tlvs)
        .map_while(Result::ok)
        .find(|nla| nla.kind() & 0x3fff == NLMSGERR_ATTR_MSG)
        .map(|nla| {
            let value = nla.value();
            let text = value.split(|&b| b == 0).next().unwrap_or(value);
            String::from_utf8_lossy(text).into_owned()
        })
        .filter(|text| !text.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kernel_error_names_the_operation_the_errno_and_its_text() {
        let e = kernel(
            "creating veth vethAB12CD (peer eth0 in the target network namespace)".into(),
            libc::EEXIST,
            None,
        );
        assert_eq!(
            e.to_string(),
            "creating veth vethAB12CD (peer eth0 in the target network namespace): EEXIST (File exists)"
        );
        assert_eq!(errno(&e), Some(libc::EEXIST));
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
    }

    #[test]
    fn the_extended_ack_text_follows_the_errno() {
        let e = kernel(
            "creating vlan eth0.5".into(),
            libc::EOPNOTSUPP,
            Some("Unknown device type".into()),
        );
        assert_eq!(
            e.to_string(),
            "creating vlan eth0.5: EOPNOTSUPP (Operation not supported on transport endpoint; the kernel says: Unknown device type)"
        );
    }

    #[test]
    fn an_undecodable_reply_is_not_an_errno() {
        let e = other("listing links".into(), "a reply could not be decoded");
        assert_eq!(e.to_string(), "listing links: a reply could not be decoded");
        assert_eq!(errno(&e), None);
    }

    /// An NLA: length, type, value, padded to 4 bytes.
    fn nla(kind: u16, value: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&((4 + value.len()) as u16).to_ne_bytes());
        v.extend_from_slice(&kind.to_ne_bytes());
        v.extend_from_slice(value);
        while v.len() % 4 != 0 {
            v.push(0);
        }
        v
    }

    #[test]
    fn extack_text_after_a_capped_echo() {
        let mut payload = vec![0u8; 16]; // the echoed nlmsghdr
        payload.extend(nla(4, &7u32.to_ne_bytes())); // NLMSGERR_ATTR_OFFS
        payload.extend(nla(1, b"Unknown device type\0"));
        assert_eq!(
            extack_message(NLM_F_ACK_TLVS | NLM_F_CAPPED, &payload).as_deref(),
            Some("Unknown device type")
        );
        // Without NLM_F_ACK_TLVS there is none to read.
        assert_eq!(extack_message(NLM_F_CAPPED, &payload), None);
    }

    #[test]
    fn extack_text_after_a_whole_echoed_request() {
        // The echoed request: a header saying 22 bytes, then its payload (padded to 24).
        let mut payload = Vec::new();
        payload.extend_from_slice(&22u32.to_ne_bytes());
        payload.extend_from_slice(&[0u8; 20]);
        payload.extend(nla(1, b"Invalid MTU\0"));
        assert_eq!(
            extack_message(NLM_F_ACK_TLVS, &payload).as_deref(),
            Some("Invalid MTU")
        );
        // A truncated payload is no text, not a panic.
        assert_eq!(extack_message(NLM_F_ACK_TLVS, &payload[..3]), None);
        assert_eq!(extack_message(NLM_F_ACK_TLVS, &payload[..20]), None);
    }
}
