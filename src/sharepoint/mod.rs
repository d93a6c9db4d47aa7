//! SharePoint Online's REST API on the user's My Site host, as far as the self-service sync
//! needs it: the user's profile picture properties (`GetMyProperties`), writing the picture
//! (`SetMyProfilePicture`), the `userphoto.aspx` request that triggers SharePoint's own pull
//! from Exchange, and reading the thumbnail SharePoint made; and which of SharePoint's
//! permissions a sync needs (`permissions`, judged from what the token was granted).
//!
//! `request` builds requests and `response` parses answers and reads SharePoint's own error
//! cases ([`SharePointProblem`]) on top of the failures every API shares ([`crate::service`];
//! together [`SharePointError`]): pure and tested natively. `client` sends them through
//! [`crate::service::call`] with a token for [`crate::auth::Resource::SharePoint`] (audience = the My Site origin). Every
//! request asks for JSON explicitly (`odata=nometadata`), because SharePoint answers XML
//! otherwise. This module never retries (the caller's policy does), never sends a token to an
//! origin other than the My Site host it was given, and knows nothing of Graph.

pub mod client;
pub mod library;
pub mod permissions;
pub mod profiles;
pub mod request;
pub mod response;

pub use client::{granted_scopes, my_properties, set_my_profile_picture, thumbnail};
pub use request::{large_thumbnail_url, predicted_large_thumbnail_url, same_file};
pub use response::{SharePointCall, SharePointError, SharePointProblem, SharePointProfile};
