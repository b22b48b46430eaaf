//! Every instance knows the instances of the labs the others run, so that its REST API shows
//! them (a client refetches a lab from whichever instance it reaches) and its log namespaces
//! exist for them. The owner announces a lab's instance on every change of it, and all of its
//! labs when it (re)covers labs or another instance starts; the others keep the last word of
//! each and tell their own sockets that the lab changed.

use std::collections::HashSet;

use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{Cluster, News};
use crate::events::LabEvent;
use crate::lab::Labs;

/// Announces this instance's labs and applies the others' news until `shutdown`.
pub async fn mirror_instances(
    cluster: Cluster,
    labs: Labs,
    mut news: mpsc::Receiver<News>,
    shutdown: CancellationToken,
) {
    let mut events = labs.events.subscribe();
    // Labs this instance announced an instance of: it says so when they lose it.
    let mut announced: HashSet<String> = HashSet::new();
    let me = cluster.instance().to_owned();
    if let Err(error) = cluster
        .forwarder()
        .announce(&News::Hello { from: me.clone() })
        .await
    {
        tracing::warn!(%error, "cannot ask the other instances about their labs");
    }
    announce_all(&cluster, &labs, &mut announced).await;
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            event = events.recv() => match event {
                Ok(LabEvent::LabUpdated(Some(lab))) => announce(&cluster, &labs, &mut announced, lab).await,
                Ok(LabEvent::LabUpdated(None)) | Err(RecvError::Lagged(_)) => {
                    announce_all(&cluster, &labs, &mut announced).await;
                }
                Ok(_) => {}
                Err(RecvError::Closed) => return,
            },
            item = news.recv() => match item {
                Some(News::Instance { from, lab, instance }) if from != me => {
                    if !antimony_protocol::is_well_formed_uuid(&lab) {
                        tracing::warn!(%from, "dropped news about a malformed lab id");
                        continue;
                    }
                    labs.instances.set_remote(&lab, instance);
                    labs.events.send(LabEvent::RemoteLabUpdated(lab));
                }
                Some(News::Hello { from }) if from != me => {
                    announce_all(&cluster, &labs, &mut announced).await;
                }
                Some(_) => {}
                None => return,
            },
        }
    }
}

/// Announces the lab's instance here, or that it has none any more.
async fn announce(cluster: &Cluster, labs: &Labs, announced: &mut HashSet<String>, lab: String) {
    let instance = labs.instances.instance(&lab);
    if instance.is_none() && !announced.remove(&lab) {
        // Not this instance's lab (a REST change of another's).
        return;
    }
    if instance.is_some() {
        announced.insert(lab.clone());
    }
    let news = News::Instance {
        from: cluster.instance().to_owned(),
        lab,
        instance,
    };
    if let Err(error) = cluster.forwarder().announce(&news).await {
        tracing::warn!(%error, "cannot tell the other instances about a lab");
    }
}

/// Announces every lab this instance runs (and those it no longer does).
async fn announce_all(cluster: &Cluster, labs: &Labs, announced: &mut HashSet<String>) {
    let mut all: HashSet<String> = labs.instances.lab_ids().into_iter().collect();
    all.extend(announced.iter().cloned());
    for lab in all {
        announce(cluster, labs, announced, lab).await;
    }
}
