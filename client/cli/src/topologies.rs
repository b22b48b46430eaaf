//! `antimony topologies`: the topologies the user may see, with their collection, node count
//! and bind files.

use antimony_client::import;

use crate::Global;
use crate::context;
use crate::output::{Failure, print_json, print_table};

pub(crate) async fn list(global: &Global) -> Result<(), Failure> {
    let rest = context::rest(global).await?;
    let topologies = rest.topologies().await?;
    if global.json {
        return print_json(&topologies);
    }
    if topologies.is_empty() {
        println!("No topologies.");
        return Ok(());
    }
    let collections = rest.collections().await.unwrap_or_default();
    let collection_name = |id: &str| {
        collections
            .iter()
            .find(|c| c.id == id)
            .map_or_else(|| id.to_owned(), |c| c.name.clone())
    };
    let mut rows: Vec<Vec<String>> = topologies
        .iter()
        .map(|t| {
            let count = |n: Option<usize>| n.map_or_else(|| "-".to_owned(), |n| n.to_string());
            vec![
                // The name is the definition's `name:` (there is no other).
                import::topology_name(&t.definition).unwrap_or_else(|| "-".to_owned()),
                collection_name(&t.collection_id),
                count(import::topology_node_count(&t.definition)),
                t.bind_files.len().to_string(),
                t.id.clone(),
            ]
        })
        .collect();
    // By collection, then name.
    rows.sort_by(|a, b| {
        a.get(1)
            .cmp(&b.get(1))
            .then_with(|| a.first().cmp(&b.first()))
    });
    print_table(&["NAME", "COLLECTION", "NODES", "BIND FILES", "ID"], &rows);
    Ok(())
}
