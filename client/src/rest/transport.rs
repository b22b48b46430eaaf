//! HTTP transport of a [`RestClient`]: the `reqwest` client with the profile's TLS trust, the
//! pinned-certificate check on every response, error bodies, and requests that carry the
//! access token and refresh it once on 498.

use antimony_protocol::rest::cookie;
use antimony_protocol::{Envelope, ErrorBody, ErrorCode};
use reqwest::header::{CONTENT_TYPE, COOKIE, HeaderMap};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::RestClient;
use crate::profile::ServerProfile;
use crate::{Error, Result};

/// The HTTP client for a profile: its TLS trust, bounded connect and request times, and no
/// redirects: a login's body (the password) never goes to another address, and a server
/// that redirects (http to https, say) is reported with where it points.
pub(super) fn http_client(profile: &ServerProfile) -> Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("antimony-desktop/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(std::time::Duration::from_secs(60));
    if profile.uses_tls() {
        builder = builder
            .use_preconfigured_tls(profile.tls.connector()?)
            .tls_info(profile.tls.pinned_fingerprint().is_some());
    }
    builder
        .build()
        .map_err(|e| Error::Protocol(format!("HTTP client: {e}")))
}

impl RestClient {
    pub(super) fn unreachable(&self, error: &reqwest::Error) -> Error {
        if crate::tls::is_certificate_error(error) {
            return Error::Certificate {
                server: self.profile.origin.clone(),
                reason:
                    "it is not signed by a trusted authority (a self-signed certificate must be \
                         pinned after checking its fingerprint)"
                        .into(),
            };
        }
        Error::Unreachable {
            server: self.profile.origin.clone(),
            reason: error.to_string(),
        }
    }

    /// With a pinned certificate: checks the one this response came over.
    pub(super) fn check_pin(&self, response: &reqwest::Response) -> Result<()> {
        let Some(pinned) = self.profile.tls.pinned_fingerprint() else {
            return Ok(());
        };
        let presented = response
            .extensions()
            .get::<reqwest::tls::TlsInfo>()
            .and_then(reqwest::tls::TlsInfo::peer_certificate)
            .map(crate::tls::fingerprint_of);
        if presented.as_deref() == Some(pinned) {
            Ok(())
        } else {
            Err(Error::Certificate {
                server: self.profile.origin.clone(),
                reason: format!(
                    "it changed: the server presented {}, the pinned one is {pinned}",
                    presented.as_deref().unwrap_or("none")
                ),
            })
        }
    }

    pub(super) async fn api_error(&self, response: reqwest::Response) -> Error {
        if response.status().is_redirection() {
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .unwrap_or("elsewhere")
                .chars()
                .take(200)
                .collect::<String>();
            return Error::Protocol(format!(
                "the server redirects to {location}; use that address for the server"
            ));
        }
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        let body = serde_json::from_str::<ErrorBody>(&text).unwrap_or_else(|_| {
            ErrorBody::new(
                ErrorCode::Unexpected,
                if text.is_empty() {
                    format!("HTTP {status}")
                } else {
                    text.chars().take(200).collect()
                },
            )
        });
        Error::Api { status, body }
    }

    /// Sends a request with the access token; on 498 refreshes once and retries.
    pub(super) async fn send<T, B>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        auth: bool,
    ) -> Result<T>
    where
        T: DeserializeOwned,
        B: Serialize + ?Sized,
    {
        let (_, value) = self.send_raw(method, path, body, auth).await?;
        Ok(value)
    }

    /// [`RestClient::send`], also giving the response's headers.
    pub(super) async fn send_raw<T, B>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        auth: bool,
    ) -> Result<(HeaderMap, T)>
    where
        T: DeserializeOwned,
        B: Serialize + ?Sized,
    {
        let mut refreshed = false;
        loop {
            let mut request = self
                .http
                .request(method.clone(), self.profile.rest_url(path));
            if auth {
                let token = self
                    .login
                    .tokens()
                    .access
                    .clone()
                    .ok_or_else(|| self.not_logged_in("no access token"))?;
                request = request.header(COOKIE, format!("{}={token}", cookie::ACCESS_TOKEN));
            }
            if let Some(body) = body {
                request = request.header(CONTENT_TYPE, "application/json").json(body);
            }
            let response = request.send().await.map_err(|e| self.unreachable(&e))?;
            self.check_pin(&response)?;
            let status = response.status();
            if status.as_u16() == ErrorCode::InvalidToken.code() as u16 && auth && !refreshed {
                refreshed = true;
                self.refresh().await?;
                continue;
            }
            if status == StatusCode::UNAUTHORIZED && auth {
                return Err(self.not_logged_in("the server asks for a login"));
            }
            if !status.is_success() {
                return Err(self.api_error(response).await);
            }
            let headers = response.headers().clone();
            let envelope: Envelope<T> = response
                .json()
                .await
                .map_err(|e| Error::Protocol(format!("{method} {path}: {e}")))?;
            return Ok((headers, envelope.payload));
        }
    }
}
