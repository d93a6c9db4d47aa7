//! Throttling models: Outlook photo concurrency per app, SharePoint resource units per minute,
//! Graph requests per second.
