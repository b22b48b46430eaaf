//! Bounds what the API server may send: no answer may hold more than [`MAX_LINE`] bytes
//! without a newline. Lists and objects are one JSON line, watch events one line each, and
//! log lines are lines too, so a hostile or broken server cannot make this server buffer
//! without end (kube reads watch events with an unbounded line codec).

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::Response;
use hyper::body::{Body, Frame, SizeHint};

/// The longest line accepted from the API server (32 MiB: a list of many topologies with
/// their definitions is one line).
pub(super) const MAX_LINE: usize = 32 * 1024 * 1024;

/// Bounds a response's body to lines of [`MAX_LINE`] bytes (for
/// `tower::util::MapResponseLayer`).
pub(super) fn bound<B>(response: Response<B>) -> Response<LineBound<B>> {
    response.map(|body| LineBound::new(body, MAX_LINE))
}

/// A body that fails once a line grows beyond its bound.
#[derive(Debug)]
pub(super) struct LineBound<B> {
    inner: B,
    max_line: usize,
    /// Bytes since the last newline.
    current: usize,
}

impl<B> LineBound<B> {
    pub(super) fn new(inner: B, max_line: usize) -> Self {
        LineBound {
            inner,
            max_line,
            current: 0,
        }
    }
}

/// The error of a body that broke its bound.
#[derive(Debug, thiserror::Error)]
#[error("the Kubernetes API server sent a line of more than {0} bytes")]
pub(super) struct LineTooLong(usize);

impl<B> Body for LineBound<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    match data.iter().rposition(|b| *b == b'\n') {
                        Some(at) => this.current = data.len() - at - 1,
                        None => this.current = this.current.saturating_add(data.len()),
                    }
                    if this.current > this.max_line {
                        return Poll::Ready(Some(Err(Box::new(LineTooLong(this.max_line)))));
                    }
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e.into()))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    fn chunks(parts: &[&'static [u8]]) -> impl Body<Data = Bytes, Error = std::io::Error> + Unpin {
        let frames: Vec<Result<Frame<Bytes>, std::io::Error>> = parts
            .iter()
            .map(|p| Ok(Frame::data(Bytes::from_static(p))))
            .collect();
        http_body_util::StreamBody::new(futures_util::stream::iter(frames))
    }

    #[tokio::test]
    async fn lines_within_the_bound_pass_and_a_longer_one_fails() {
        let body = LineBound::new(chunks(&[b"abcd\nef", b"gh\n", b"ijkl"]), 4);
        let all = body.collect().await.unwrap().to_bytes();
        assert_eq!(&all[..], b"abcd\nefgh\nijkl");
        let body = LineBound::new(chunks(&[b"abc", b"de", b"f\n"]), 4);
        let err = body.collect().await.unwrap_err();
        assert!(err.to_string().contains("more than 4 bytes"), "{err}");
    }
}
