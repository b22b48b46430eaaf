//! The `GET /labs` query string, with its literal brackets.

use antimony_protocol::rest::{InstanceState, LabsQuery};
use antimony_protocol::{Error, Timestamp};

#[test]
fn writes_brackets_and_every_parameter() {
    let query = LabsQuery {
        limit: Some(1000),
        offset: Some(0),
        search_query: Some("spine leaf".into()),
        start_date: Some(Timestamp::parse("2025-06-12T00:00:00Z").unwrap()),
        end_date: Some(Timestamp::parse("2025-06-13T00:00:00.5+02:00").unwrap()),
        state_filter: vec![InstanceState::Running, InstanceState::Scheduled],
        collection_filter: vec!["c1".into(), "c2".into()],
    };
    let pairs = query.to_query_pairs().unwrap();
    let expected: Vec<(&str, &str)> = vec![
        ("limit", "1000"),
        ("offset", "0"),
        ("searchQuery", "spine leaf"),
        ("startDate", "2025-06-12T00:00:00Z"),
        ("endDate", "2025-06-13T00:00:00.5+02:00"),
        ("stateFilter[]", "1"),
        ("stateFilter[]", "-2"),
        ("collectionFilter[]", "c1"),
        ("collectionFilter[]", "c2"),
    ];
    let got: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(got, expected);
    assert_eq!(LabsQuery::from_query_pairs(pairs).unwrap(), query);
}

#[test]
fn reads_list_keys_without_brackets_and_ignores_unknown_keys() {
    let query = LabsQuery::from_query_pairs([
        ("stateFilter", "3"),
        ("stateFilter[]", "0"),
        ("collectionFilter", "c"),
        ("sort", "name"),
        ("limit", "5"),
        ("limit", "7"),
    ])
    .unwrap();
    assert_eq!(
        query.state_filter,
        [InstanceState::Failed, InstanceState::Deploying]
    );
    assert_eq!(query.collection_filter, ["c"]);
    assert_eq!(
        query.limit,
        Some(7),
        "the last value of a repeated scalar wins"
    );
    assert_eq!(
        LabsQuery::from_query_pairs(Vec::<(&str, &str)>::new()).unwrap(),
        LabsQuery::default()
    );
}

#[test]
fn rejects_bad_values_naming_the_parameter() {
    for (key, value) in [
        ("limit", "-1"),
        ("limit", "ten"),
        ("limit", "99999999999"),
        ("offset", "1.5"),
        ("stateFilter[]", "4"),
        ("stateFilter[]", "running"),
        ("startDate", "2025-06-12"),
        ("endDate", ""),
    ] {
        match LabsQuery::from_query_pairs([(key, value)]) {
            Err(Error::Query {
                param,
                value: shown,
                ..
            }) => {
                assert_eq!(param, key);
                assert_eq!(shown, value);
            }
            other => panic!("{key}={value} gave {other:?}"),
        }
    }
}
