//! Ids on the wire are plain strings. Servers generate UUIDs, but the native admin's id is
//! 35 characters long and no UUID, so nothing here parses ids strictly; only servers check
//! well-formedness, to answer 5404 for garbage and 5005 for unknown well-formed ids.

/// The id of the native (username/password) admin user, exactly as the Go server sends it:
/// the last group has 11 digits, so it is not a UUID.
pub const NATIVE_ADMIN_ID: &str = "00000000-0000-0000-0000-00000000000";

/// Whether `id` is a canonical hyphenated UUID: 36 characters, hex digits in groups of
/// 8-4-4-4-12, either case. Braced, URN and unhyphenated forms are not accepted, because
/// they never appear on the wire.
pub fn is_well_formed_uuid(id: &str) -> bool {
    let bytes = id.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_canonical_uuids_of_any_version_and_case() {
        assert!(is_well_formed_uuid("6ba7b810-9dad-11d1-80b4-00c04fd430c8"));
        assert!(is_well_formed_uuid("6BA7B810-9DAD-11D1-80B4-00C04FD430C8"));
        assert!(is_well_formed_uuid("00000000-0000-0000-0000-000000000000"));
    }

    #[test]
    fn rejects_everything_else() {
        assert!(!is_well_formed_uuid(NATIVE_ADMIN_ID));
        assert!(!is_well_formed_uuid(""));
        assert!(!is_well_formed_uuid("6ba7b8109dad11d180b400c04fd430c8"));
        assert!(!is_well_formed_uuid(
            "{6ba7b810-9dad-11d1-80b4-00c04fd430c8}"
        ));
        assert!(!is_well_formed_uuid("6ba7b810-9dad-11d1-80b4-00c04fd430cg"));
        assert!(!is_well_formed_uuid("6ba7b810-9dad-11d1-80b4_00c04fd430c8"));
        assert!(!is_well_formed_uuid(
            "6ba7b810-9dad-11d1-80b4-00c04fd430c8 "
        ));
        // Multi-byte characters must not confuse the byte positions.
        assert!(!is_well_formed_uuid("6ba7b810-9dad-11d1-80b4-00c04fd430é"));
    }
}
