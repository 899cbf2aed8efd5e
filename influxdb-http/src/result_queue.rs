//! The items of a query response in response order: each statement's error (if any), then its
//! series. Shared by [`SeriesStream`](crate::SeriesStream) and [`RowStream`](crate::RowStream),
//! which differ only in how a document is decoded.

use std::collections::VecDeque;

use crate::Error;

/// A document's own error (the whole query failed): returned at once, before anything of the
/// document is queued.
pub(crate) fn check_document(error: Option<String>) -> Result<(), Error> {
    match error {
        Some(message) => Err(Error::Query {
            statement_id: None,
            message,
        }),
        None => Ok(()),
    }
}

/// Decoded series and statement errors not handed out yet.
#[derive(Debug)]
pub(crate) struct ResultQueue<T> {
    ready: VecDeque<Result<T, Error>>,
}

impl<T> Default for ResultQueue<T> {
    fn default() -> Self {
        ResultQueue {
            ready: VecDeque::new(),
        }
    }
}

impl<T> ResultQueue<T> {
    /// The next item, if one is queued.
    pub(crate) fn pop(&mut self) -> Option<Result<T, Error>> {
        self.ready.pop_front()
    }

    /// How many items are queued.
    pub(crate) fn len(&self) -> usize {
        self.ready.len()
    }

    /// Queues one statement's result: its error first, then its series, so that series before
    /// an error are read first and statements after it can still be read.
    pub(crate) fn push_statement(
        &mut self,
        statement_id: Option<u64>,
        error: Option<String>,
        series: impl IntoIterator<Item = T>,
    ) {
        if let Some(message) = error {
            self.ready.push_back(Err(Error::Query {
                statement_id,
                message,
            }));
        }
        self.ready.extend(series.into_iter().map(Ok));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_errors_come_before_their_series_in_response_order() {
        let mut queue = ResultQueue::default();
        queue.push_statement(Some(0), None, [1, 2]);
        queue.push_statement(Some(1), Some("bad".into()), [3]);
        assert_eq!(queue.len(), 4);
        let items: Vec<_> = std::iter::from_fn(|| queue.pop()).collect();
        assert!(matches!(items[..2], [Ok(1), Ok(2)]));
        assert!(matches!(
            &items[2],
            Err(Error::Query { statement_id: Some(1), message }) if message == "bad"
        ));
        assert!(matches!(items[3], Ok(3)));
        assert!(check_document(None).is_ok());
        assert!(matches!(
            check_document(Some("no db".into())),
            Err(Error::Query {
                statement_id: None,
                ..
            })
        ));
    }
}
