//! One paginator for every paged listing of every vendor.
//!
//! A vendor crate says how to fetch one page ([`FetchPage`]: the page at a cursor, which is
//! a page number, an offset or a token, and the cursor of the page after it, or none when
//! the vendor says this was the last). [`Paginator`] walks the pages and ends a listing
//! that would not end with a typed [`PaginationError`] instead of looping or truncating:
//!
//! - a page that repeats the one before it (the same page number as the vendor reports it,
//!   or the same items) is [`PaginationErrorKind::RepeatedPage`];
//! - a next cursor that was already requested (an offset or page number that does not
//!   advance, a token that loops) is [`PaginationErrorKind::CursorNotAdvancing`];
//! - more pages than [`Paginator::max_pages`] allows is
//!   [`PaginationErrorKind::PageCapReached`], after the items of the pages it allowed;
//! - [`Paginator::collect`] holding more than [`Paginator::max_items`] items is
//!   [`PaginationErrorKind::ItemCapReached`].
//!
//! Items come one at a time ([`Paginator::next`]), a page at a time
//! ([`Paginator::next_page`]), all at once ([`Paginator::collect`]), or as a [`Stream`]
//! ([`Paginator::into_stream`], [`Paginator::into_page_stream`]). After an error the
//! listing ends: the next call returns `None`.
//!
//! Vendor crates return a `Paginator` itself (under a type alias), so every listing has
//! these methods and [`Paginator::page_size`]; a listing's own filters are set on its
//! fetcher with [`Paginator::map_fetcher`].

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::future::Future;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

pub use futures_core::Stream;
use serde::Serialize;

use crate::Error;
use crate::operation::de::MAX_LIST_ITEMS;
use crate::{PaginationError, PaginationErrorKind};

/// The most pages a [`Paginator`] requests unless told otherwise
/// ([`Paginator::max_pages`]).
pub const DEFAULT_MAX_PAGES: u32 = 1000;

/// The most items [`Paginator::collect`] holds unless told otherwise
/// ([`Paginator::max_items`]): ten responses of [`MAX_LIST_ITEMS`] items.
pub const DEFAULT_MAX_ITEMS: usize = 10 * MAX_LIST_ITEMS;

/// One page of a listing, as the vendor answered it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<T, C> {
    /// The page's items, in the vendor's order.
    pub items: Vec<T>,
    /// Where the next page starts, or `None` when the vendor says this page was the last.
    pub next: Option<C>,
    /// The page number the vendor reports for this page, when it reports one.
    pub number: Option<i64>,
}

impl<T, C> Page<T, C> {
    /// A page with `items`, followed by the page at `next` (`None`: the last page).
    pub fn new(items: Vec<T>, next: Option<C>) -> Self {
        Self {
            items,
            next,
            number: None,
        }
    }

    /// The page number the vendor reported for this page; two pages in a row reporting
    /// the same number are a repeated page.
    pub fn with_number(mut self, number: Option<i64>) -> Self {
        self.number = number;
        self
    }
}

/// How to fetch one page of a listing: implemented by each vendor crate for each paged
/// operation.
pub trait FetchPage: Send {
    /// What the listing lists. Items are compared through their serialized form to find a
    /// page that repeats the previous one.
    type Item: Serialize + Send;
    /// Where a page starts: a page number, an offset or a token. Shown in errors.
    type Cursor: Clone + Eq + Hash + fmt::Display + Send + Sync;
    /// How many items a page is asked for unless [`Paginator::page_size`] says otherwise.
    const DEFAULT_PAGE_SIZE: u32;

    /// Fetches the page at `cursor`, asking for `page_size` items. A size the operation
    /// refuses is its `InvalidInput`, returned before anything is sent.
    fn fetch(
        &mut self,
        cursor: Self::Cursor,
        page_size: u32,
    ) -> impl Future<Output = Result<Page<Self::Item, Self::Cursor>, Error>> + Send;
}

/// What is kept of the previous page to recognise its repetition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PageMark {
    number: Option<i64>,
    /// A hash of the serialized items; `None` for an empty page or items that cannot be
    /// serialized, which repeat nothing.
    fingerprint: Option<u64>,
}

impl PageMark {
    fn of<T: Serialize, C>(page: &Page<T, C>) -> Self {
        Self {
            number: page.number,
            fingerprint: fingerprint(&page.items),
        }
    }

    fn is_repeated_by(&self, next: &PageMark) -> bool {
        let same_number = self.number.is_some() && self.number == next.number;
        let same_items = self.fingerprint.is_some() && self.fingerprint == next.fingerprint;
        same_number || same_items
    }
}

/// Feeds serialized JSON straight into a hasher, so that no copy of a page is kept.
struct HashWriter(DefaultHasher);

impl io::Write for HashWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.write(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn fingerprint<T: Serialize>(items: &[T]) -> Option<u64> {
    if items.is_empty() {
        return None;
    }
    let mut writer = HashWriter(DefaultHasher::new());
    serde_json::to_writer(&mut writer, items).ok()?;
    Some(writer.0.finish())
}

/// A listing walked page by page; see the [module documentation](self).
pub struct Paginator<F: FetchPage> {
    vendor: &'static str,
    operation: &'static str,
    fetcher: F,
    /// The cursor of the next page to request; `None` once the listing ended.
    next_cursor: Option<F::Cursor>,
    /// Every cursor requested so far (at most `max_pages`), to refuse one that loops.
    requested: HashSet<F::Cursor>,
    previous: Option<PageMark>,
    pages: u32,
    page_size: u32,
    max_pages: u32,
    max_items: usize,
    buffer: VecDeque<F::Item>,
    /// An error found with a page whose items are still to be delivered.
    deferred: Option<PaginationErrorKind>,
}

impl<F: FetchPage> fmt::Debug for Paginator<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paginator")
            .field("vendor", &self.vendor)
            .field("operation", &self.operation)
            .field("pages", &self.pages)
            .field("page_size", &self.page_size)
            .field("max_pages", &self.max_pages)
            .field("max_items", &self.max_items)
            .field("buffered", &self.buffer.len())
            .field("ended", &self.is_ended())
            .finish_non_exhaustive()
    }
}

impl<F: FetchPage> Paginator<F> {
    /// A listing of `operation` (named in errors with `vendor`) starting at `first`.
    pub fn new(
        vendor: &'static str,
        operation: &'static str,
        first: F::Cursor,
        fetcher: F,
    ) -> Self {
        Self {
            vendor,
            operation,
            fetcher,
            requested: HashSet::from([first.clone()]),
            next_cursor: Some(first),
            previous: None,
            pages: 0,
            page_size: F::DEFAULT_PAGE_SIZE,
            max_pages: DEFAULT_MAX_PAGES,
            max_items: DEFAULT_MAX_ITEMS,
            buffer: VecDeque::new(),
            deferred: None,
        }
    }

    /// The most pages to request (at least 1; default [`DEFAULT_MAX_PAGES`]). When the
    /// vendor reports more after the last of them, the listing ends with
    /// [`PaginationErrorKind::PageCapReached`] once their items are delivered.
    pub fn max_pages(mut self, max_pages: u32) -> Self {
        self.max_pages = max_pages.max(1);
        self
    }

    /// The most items [`collect`](Self::collect) holds (default [`DEFAULT_MAX_ITEMS`]);
    /// a listing with more is [`PaginationErrorKind::ItemCapReached`]. Items taken one at a
    /// time or a page at a time are not counted: they are not held.
    pub fn max_items(mut self, max_items: usize) -> Self {
        self.max_items = max_items;
        self
    }

    /// How many items to ask for per page (default: the listing's
    /// [`FetchPage::DEFAULT_PAGE_SIZE`]). A size the operation refuses ends the listing
    /// with its `InvalidInput` at the first page, before anything is sent.
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size;
        self
    }

    /// Changes the listing's own filters (an OCP backup set, a time range) on its fetcher.
    pub fn map_fetcher(mut self, change: impl FnOnce(F) -> F) -> Self {
        self.fetcher = change(self.fetcher);
        self
    }

    /// The page fetcher, to adjust the request before the first page.
    pub fn fetcher_mut(&mut self) -> &mut F {
        &mut self.fetcher
    }

    /// The page fetcher.
    pub fn fetcher(&self) -> &F {
        &self.fetcher
    }

    /// How many pages have been requested so far.
    pub fn pages_requested(&self) -> u32 {
        self.pages
    }

    /// Whether nothing more will come: no buffered item, no error to report, no next page.
    pub fn is_ended(&self) -> bool {
        self.buffer.is_empty() && self.deferred.is_none() && self.next_cursor.is_none()
    }

    fn error(&self, kind: PaginationErrorKind) -> Error {
        PaginationError::new(self.vendor, self.operation, self.pages, kind).into()
    }

    /// Requests the next page: its items, the error that ends the listing, or `None` after
    /// the end. Buffered items are not looked at.
    async fn fetch_next(&mut self) -> Option<Result<Vec<F::Item>, Error>> {
        if let Some(kind) = self.deferred.take() {
            return Some(Err(self.error(kind)));
        }
        let cursor = self.next_cursor.take()?;
        self.pages = self.pages.saturating_add(1);
        let page = match self.fetcher.fetch(cursor, self.page_size).await {
            Ok(page) => page,
            Err(e) => return Some(Err(e)),
        };
        let mark = PageMark::of(&page);
        if self
            .previous
            .is_some_and(|previous| previous.is_repeated_by(&mark))
        {
            return Some(Err(self.error(PaginationErrorKind::RepeatedPage)));
        }
        self.previous = Some(mark);
        if let Some(next) = page.next {
            if self.requested.contains(&next) {
                self.deferred = Some(PaginationErrorKind::CursorNotAdvancing {
                    cursor: next.to_string(),
                });
            } else if self.pages >= self.max_pages {
                self.deferred = Some(PaginationErrorKind::PageCapReached {
                    max_pages: self.max_pages,
                });
            } else {
                self.requested.insert(next.clone());
                self.next_cursor = Some(next);
            }
        }
        Some(Ok(page.items))
    }

    /// The next item, `None` after the last, or the error that ended the listing.
    pub async fn next(&mut self) -> Option<Result<F::Item, Error>> {
        loop {
            if let Some(item) = self.buffer.pop_front() {
                return Some(Ok(item));
            }
            match self.fetch_next().await? {
                Ok(items) => self.buffer.extend(items),
                Err(e) => return Some(Err(e)),
            }
        }
    }

    /// The next page's items (what is left of a page [`next`](Self::next) started, first),
    /// `None` after the last page, or the error that ended the listing. A page may be empty.
    pub async fn next_page(&mut self) -> Option<Result<Vec<F::Item>, Error>> {
        if !self.buffer.is_empty() {
            return Some(Ok(self.buffer.drain(..).collect()));
        }
        self.fetch_next().await
    }

    /// Every remaining item.
    ///
    /// # Errors
    ///
    /// The first error of a page request, a [`PaginationError`], or
    /// [`PaginationErrorKind::ItemCapReached`] when the listing holds more than
    /// [`max_items`](Self::max_items) items.
    pub async fn collect(mut self) -> Result<Vec<F::Item>, Error> {
        let mut all: Vec<F::Item> = self.buffer.drain(..).collect();
        loop {
            if all.len() > self.max_items {
                return Err(self.error(PaginationErrorKind::ItemCapReached {
                    max_items: self.max_items,
                }));
            }
            match self.fetch_next().await {
                None => return Ok(all),
                Some(page) => all.extend(page?),
            }
        }
    }
}

impl<F: FetchPage + 'static> Paginator<F> {
    /// The remaining items as a [`Stream`], ending after the error that ends the listing.
    pub fn into_stream(self) -> impl Stream<Item = Result<F::Item, Error>> + Send + Unpin {
        Driven::new(self, |mut paginator| {
            Box::pin(async move {
                let item = paginator.next().await;
                (paginator, item)
            })
        })
    }

    /// The remaining pages' items as a [`Stream`] of pages, as [`next_page`](Self::next_page)
    /// gives them.
    pub fn into_page_stream(
        self,
    ) -> impl Stream<Item = Result<Vec<F::Item>, Error>> + Send + Unpin {
        Driven::new(self, |mut paginator| {
            Box::pin(async move {
                let page = paginator.next_page().await;
                (paginator, page)
            })
        })
    }
}

/// One step of a [`Driven`] stream: the paginator comes back with what it produced.
type Step<F, O> = Pin<Box<dyn Future<Output = (Paginator<F>, Option<Result<O, Error>>)> + Send>>;

/// A [`Stream`] over a paginator, without a `futures` dependency: the paginator moves into
/// each step's future and comes back with its result.
struct Driven<F: FetchPage, O> {
    idle: Option<Paginator<F>>,
    busy: Option<Step<F, O>>,
    step: fn(Paginator<F>) -> Step<F, O>,
}

// No field is ever pinned in place: the step future is pinned in its own box.
impl<F: FetchPage, O> Unpin for Driven<F, O> {}

impl<F: FetchPage, O> Driven<F, O> {
    fn new(paginator: Paginator<F>, step: fn(Paginator<F>) -> Step<F, O>) -> Self {
        Self {
            idle: Some(paginator),
            busy: None,
            step,
        }
    }
}

impl<F: FetchPage, O> Stream for Driven<F, O> {
    type Item = Result<O, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.busy.is_none() {
            match this.idle.take() {
                Some(paginator) => this.busy = Some((this.step)(paginator)),
                None => return Poll::Ready(None),
            }
        }
        let Some(busy) = this.busy.as_mut() else {
            return Poll::Ready(None);
        };
        match busy.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready((paginator, output)) => {
                this.busy = None;
                if output.is_some() {
                    this.idle = Some(paginator);
                }
                Poll::Ready(output)
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    use std::collections::BTreeMap;

    /// A page number cursor over a scripted list of answers: the `n`-th fetch gets the
    /// `n`-th answer (the last one repeats), and every cursor requested is recorded.
    struct Scripted {
        answers: Vec<Result<Page<String, i64>, Error>>,
        requested: Vec<i64>,
        sizes: Vec<u32>,
    }

    impl Scripted {
        fn new(answers: Vec<Result<Page<String, i64>, Error>>) -> Self {
            Self {
                answers,
                requested: Vec::new(),
                sizes: Vec::new(),
            }
        }
    }

    impl FetchPage for Scripted {
        type Item = String;
        type Cursor = i64;
        const DEFAULT_PAGE_SIZE: u32 = 25;

        async fn fetch(&mut self, cursor: i64, page_size: u32) -> Result<Page<String, i64>, Error> {
            let index = self.requested.len().min(self.answers.len() - 1);
            self.requested.push(cursor);
            self.sizes.push(page_size);
            match &self.answers[index] {
                Ok(page) => Ok(page.clone()),
                Err(e) => Err(Error::Config(e.to_string())),
            }
        }
    }

    fn items(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    fn page(names: &[&str], next: Option<i64>) -> Result<Page<String, i64>, Error> {
        Ok(Page::new(items(names), next))
    }

    fn paginator(answers: Vec<Result<Page<String, i64>, Error>>) -> Paginator<Scripted> {
        Paginator::new("test", "listThings", 1, Scripted::new(answers))
    }

    fn kind(err: &Error) -> &PaginationErrorKind {
        match err {
            Error::Pagination(e) => &e.kind,
            other => panic!("not a pagination error: {other}"),
        }
    }

    /// Drains `paginator` one item at a time, at most `bound` items.
    async fn drain(
        paginator: &mut Paginator<Scripted>,
        bound: usize,
    ) -> (Vec<String>, Option<Error>) {
        let mut out = Vec::new();
        while out.len() <= bound {
            match paginator.next().await {
                Some(Ok(item)) => out.push(item),
                Some(Err(e)) => return (out, Some(e)),
                None => return (out, None),
            }
        }
        panic!("the paginator did not stop after {bound} items");
    }

    #[tokio::test]
    async fn a_multi_page_listing_is_complete_and_ends_where_the_vendor_says() {
        let mut p = paginator(vec![
            page(&["a", "b"], Some(2)),
            page(&[], Some(3)),
            page(&["c"], Some(4)),
            page(&["d"], None),
            page(&["never"], None),
        ]);
        let (all, error) = drain(&mut p, 10).await;
        assert_eq!(all, items(&["a", "b", "c", "d"]));
        assert!(error.is_none());
        assert_eq!(p.fetcher().requested, [1, 2, 3, 4]);
        assert_eq!(p.pages_requested(), 4);
        assert!(p.is_ended());
        assert!(p.next().await.is_none());
        assert_eq!(
            p.fetcher().requested.len(),
            4,
            "nothing requested after the end"
        );

        let collected = paginator(vec![page(&["a"], Some(2)), page(&["b"], None)])
            .collect()
            .await
            .unwrap();
        assert_eq!(collected, items(&["a", "b"]));
    }

    #[tokio::test]
    async fn a_page_repeating_the_previous_items_ends_with_repeated_page() {
        // The cursor advances (the server echoes it) but the items do not.
        let mut p = paginator(vec![
            page(&["a"], Some(2)),
            page(&["b", "c"], Some(3)),
            page(&["b", "c"], Some(4)),
        ]);
        let (listed, error) = drain(&mut p, 1000).await;
        let error = error.unwrap();
        assert_eq!(listed, items(&["a", "b", "c"]), "the repeat is not listed");
        assert_eq!(kind(&error), &PaginationErrorKind::RepeatedPage);
        assert_eq!(p.fetcher().requested, [1, 2, 3]);
        assert_eq!(
            error.to_string(),
            "test listThings: paging stopped after 3 pages: page 3 repeats the page before it"
        );
        assert!(p.next().await.is_none(), "the listing ended");
        assert_eq!(p.fetcher().requested.len(), 3);
    }

    #[tokio::test]
    async fn a_page_repeating_the_previous_page_number_ends_with_repeated_page() {
        let numbered = |names: &[&str], number: i64| {
            Ok(Page::new(items(names), Some(number + 1)).with_number(Some(number)))
        };
        let mut p = paginator(vec![numbered(&["a"], 1), numbered(&["b"], 1)]);
        let (listed, error) = drain(&mut p, 1000).await;
        assert_eq!(listed, items(&["a"]));
        assert_eq!(kind(&error.unwrap()), &PaginationErrorKind::RepeatedPage);
        assert_eq!(p.fetcher().requested, [1, 2]);
    }

    #[tokio::test]
    async fn empty_pages_repeat_nothing_but_a_stuck_cursor_ends_the_listing() {
        // An empty page pointing at the cursor just requested: the old loops spun forever.
        let mut p = paginator(vec![page(&["a"], Some(2)), page(&[], Some(2))]);
        let (listed, error) = drain(&mut p, 1000).await;
        let error = error.unwrap();
        assert_eq!(listed, items(&["a"]));
        assert_eq!(
            kind(&error),
            &PaginationErrorKind::CursorNotAdvancing {
                cursor: "2".to_owned()
            }
        );
        assert_eq!(p.fetcher().requested, [1, 2]);
        assert_eq!(
            error.to_string(),
            "test listThings: paging stopped after 2 pages: the next page, at `2`, was already requested"
        );
    }

    #[tokio::test]
    async fn a_cursor_going_back_is_refused_after_its_page_is_delivered() {
        let mut p = paginator(vec![
            page(&["a"], Some(2)),
            page(&["b"], Some(3)),
            page(&["c"], Some(1)),
        ]);
        let (listed, error) = drain(&mut p, 1000).await;
        assert_eq!(listed, items(&["a", "b", "c"]));
        assert_eq!(
            kind(&error.unwrap()),
            &PaginationErrorKind::CursorNotAdvancing {
                cursor: "1".to_owned()
            }
        );
        assert_eq!(p.fetcher().requested, [1, 2, 3]);
        assert!(p.next().await.is_none());
    }

    /// A fetcher whose every page is new and points to another: only the cap ends it.
    struct Endless {
        requested: u32,
    }

    impl FetchPage for Endless {
        type Item = i64;
        type Cursor = i64;
        const DEFAULT_PAGE_SIZE: u32 = 2;

        async fn fetch(&mut self, cursor: i64, _page_size: u32) -> Result<Page<i64, i64>, Error> {
            self.requested += 1;
            Ok(
                Page::new(vec![cursor * 10, cursor * 10 + 1], Some(cursor + 1))
                    .with_number(Some(cursor)),
            )
        }
    }

    #[tokio::test]
    async fn reaching_the_page_cap_is_an_error_after_the_allowed_pages() {
        let mut p = Paginator::new("test", "listThings", 1, Endless { requested: 0 }).max_pages(3);
        let mut listed = Vec::new();
        let error = loop {
            match p.next().await {
                Some(Ok(item)) => listed.push(item),
                Some(Err(e)) => break e,
                None => panic!("a capped listing ended silently after {listed:?}"),
            }
        };
        assert_eq!(listed, [10, 11, 20, 21, 30, 31]);
        assert_eq!(
            kind(&error),
            &PaginationErrorKind::PageCapReached { max_pages: 3 }
        );
        assert_eq!(
            error.to_string(),
            "test listThings: paging stopped after 3 pages: the vendor reports more pages than the limit of 3"
        );
        assert!(p.next().await.is_none());
        assert_eq!(p.fetcher().requested, 3);

        let collected = Paginator::new("test", "listThings", 1, Endless { requested: 0 })
            .max_pages(3)
            .collect()
            .await;
        assert!(matches!(
            collected.as_ref().map_err(kind),
            Err(PaginationErrorKind::PageCapReached { max_pages: 3 })
        ));

        // The default cap holds too.
        let mut p = Paginator::new("test", "listThings", 1, Endless { requested: 0 });
        let error = p.collect_pages_until_error().await;
        assert_eq!(
            kind(&error),
            &PaginationErrorKind::PageCapReached {
                max_pages: DEFAULT_MAX_PAGES
            }
        );
        assert_eq!(p.fetcher().requested, DEFAULT_MAX_PAGES);
    }

    impl<F: FetchPage> Paginator<F> {
        async fn collect_pages_until_error(&mut self) -> Error {
            for _ in 0..=DEFAULT_MAX_PAGES {
                match self.next_page().await {
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return e,
                    None => panic!("ended without an error"),
                }
            }
            panic!("did not stop");
        }
    }

    #[tokio::test]
    async fn a_collect_over_the_item_cap_is_an_error() {
        let over = Paginator::new("test", "listThings", 1, Endless { requested: 0 })
            .max_items(5)
            .collect()
            .await
            .unwrap_err();
        assert_eq!(
            kind(&over),
            &PaginationErrorKind::ItemCapReached { max_items: 5 }
        );
        assert_eq!(
            over.to_string(),
            "test listThings: paging stopped after 3 pages: more than 5 items to collect"
        );
        let exact = paginator(vec![page(&["a", "b"], Some(2)), page(&["c"], None)])
            .max_items(3)
            .collect()
            .await
            .unwrap();
        assert_eq!(exact.len(), 3);
    }

    #[tokio::test]
    async fn a_fetch_error_ends_the_listing_after_the_items_before_it() {
        let mut p = paginator(vec![
            page(&["a"], Some(2)),
            Err(Error::Config("boom".to_owned())),
            page(&["never"], None),
        ]);
        let (listed, error) = drain(&mut p, 10).await;
        assert_eq!(listed, items(&["a"]));
        assert!(matches!(error, Some(Error::Config(_))));
        assert!(p.next().await.is_none());
        assert_eq!(p.fetcher().requested, [1, 2]);
    }

    /// Item 3 of issue 14: the page size is the paginator's, the same method for every
    /// vendor, and reaches every request.
    #[tokio::test]
    async fn the_page_size_is_the_listings_default_or_the_one_asked_for() {
        let answers = || vec![page(&["a"], Some(2)), page(&["b"], None)];
        let mut p = paginator(answers());
        while p.next().await.is_some() {}
        assert_eq!(p.fetcher().sizes, [25, 25]);
        let mut p = paginator(answers()).page_size(7);
        while p.next().await.is_some() {}
        assert_eq!(p.fetcher().sizes, [7, 7]);
    }

    #[tokio::test]
    async fn map_fetcher_sets_the_listings_own_filters_before_the_first_page() {
        let p = paginator(vec![page(&["z"], None)]).map_fetcher(|mut f| {
            f.answers = vec![page(&["a"], None)];
            f
        });
        assert_eq!(p.collect().await.unwrap(), items(&["a"]));
    }

    #[tokio::test]
    async fn pages_come_whole_and_after_the_rest_of_a_started_page() {
        let mut p = paginator(vec![page(&["a", "b", "c"], Some(2)), page(&["d"], None)]);
        assert_eq!(p.next().await.unwrap().unwrap(), "a");
        assert_eq!(p.next_page().await.unwrap().unwrap(), items(&["b", "c"]));
        assert_eq!(p.next_page().await.unwrap().unwrap(), items(&["d"]));
        assert!(p.next_page().await.is_none());
    }

    /// Polls a stream to its end on the current task (the fake fetchers never wait).
    async fn stream_all<S: Stream + Unpin>(mut stream: S) -> Vec<S::Item> {
        let mut out = Vec::new();
        while let Some(item) = std::future::poll_fn(|cx| Pin::new(&mut stream).poll_next(cx)).await
        {
            out.push(item);
            assert!(out.len() <= 100, "the stream did not end");
        }
        out
    }

    #[tokio::test]
    async fn items_and_pages_stream_until_the_end_or_the_error() {
        let answers = || {
            vec![
                page(&["a", "b"], Some(2)),
                page(&["c"], Some(3)),
                page(&["c"], Some(4)),
            ]
        };
        let streamed = stream_all(paginator(answers()).into_stream()).await;
        let (ok, err): (Vec<_>, Vec<_>) = streamed.into_iter().partition(Result::is_ok);
        assert_eq!(
            ok.into_iter().map(Result::unwrap).collect::<Vec<_>>(),
            items(&["a", "b", "c"])
        );
        assert_eq!(err.len(), 1);
        assert_eq!(
            kind(err[0].as_ref().unwrap_err()),
            &PaginationErrorKind::RepeatedPage
        );

        let pages = stream_all(paginator(answers()).into_page_stream()).await;
        assert_eq!(pages.len(), 3);
        assert_eq!(pages[0].as_ref().unwrap(), &items(&["a", "b"]));
        assert_eq!(pages[1].as_ref().unwrap(), &items(&["c"]));
        assert!(pages[2].is_err());

        let complete = stream_all(paginator(vec![page(&["a"], None)]).into_stream()).await;
        assert_eq!(complete.len(), 1);
    }

    #[test]
    fn items_are_compared_by_their_serialized_form() {
        let map = |k: &str| BTreeMap::from([(k.to_owned(), 1)]);
        assert_eq!(fingerprint(&[map("a")]), fingerprint(&[map("a")]));
        assert_ne!(fingerprint(&[map("a")]), fingerprint(&[map("b")]));
        assert_eq!(fingerprint::<String>(&[]), None);
    }

    fn assert_send<T: Send>(_: &T) {}

    #[test]
    fn paginators_and_their_futures_are_send() {
        let mut p = paginator(vec![page(&[], None)]);
        assert_send(&p.next());
        assert_send(&p.next_page());
        let stream = paginator(vec![page(&[], None)]).into_stream();
        assert_send(&stream);
        assert_send(&paginator(vec![page(&[], None)]).collect());
    }
}
