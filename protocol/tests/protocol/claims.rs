//! Reading identity from tokens without the secret.

use antimony_protocol::{
    AccessClaims, AuthClaims, Error, NATIVE_ADMIN_ID, decode_claims_unverified,
};
use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};

/// A token with these claims and a made-up signature, built here so no token is committed.
fn token(claims: &serde_json::Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.c2lnbmF0dXJl")
}

#[test]
fn reads_access_claims_of_the_native_admin() {
    let claims: AccessClaims = decode_claims_unverified(&token(&serde_json::json!({
        "id": NATIVE_ADMIN_ID, "isAdmin": true, "nbf": 1_718_200_000, "exp": 1_718_201_800
    })))
    .unwrap();
    assert_eq!(claims.id, NATIVE_ADMIN_ID);
    assert!(claims.is_admin);
    assert!(!claims.is_expired_at(1_718_200_000));
    assert!(claims.is_expired_at(1_718_201_800));
    assert!(claims.is_expired_at(1_718_199_999), "not valid before nbf");
}

#[test]
fn reads_auth_claims_and_padded_base64() {
    let claims = serde_json::json!({"id": "u1", "nbf": 1, "exp": 2, "extra": [1, 2]});
    let padded = format!(
        "{}.{}.sig",
        URL_SAFE.encode("{}"),
        URL_SAFE.encode(claims.to_string())
    );
    let decoded: AuthClaims = decode_claims_unverified(&padded).unwrap();
    assert_eq!(
        decoded,
        AuthClaims {
            id: "u1".into(),
            nbf: 1,
            exp: 2
        }
    );
}

#[test]
fn rejects_malformed_tokens() {
    let good = token(&serde_json::json!({"id": "u", "isAdmin": false, "nbf": 0, "exp": 1}));
    let parts: Vec<&str> = good.split('.').collect();
    for bad in [
        String::new(),
        "abc".to_owned(),
        format!("{}.{}", parts[0], parts[1]),
        format!("{good}.extra"),
        format!("{}.!!!.{}", parts[0], parts[2]),
        format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode("not json"),
            parts[2]
        ),
        token(&serde_json::json!({"id": 5, "isAdmin": false, "nbf": 0, "exp": 1})),
        token(&serde_json::json!({"isAdmin": false, "nbf": 0, "exp": 1})),
        format!("a.{}.c", "A".repeat(20_000)),
    ] {
        match decode_claims_unverified::<AccessClaims>(&bad) {
            Err(Error::Token(_)) => {}
            other => panic!("{bad:.40} gave {other:?}"),
        }
    }
}
