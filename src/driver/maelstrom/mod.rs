//! Getting and supervising the real Maelstrom: [`locate`] finds an install (with [`jarinfo`]
//! reading a jar's version) in the [`cache`] layout, [`install`] fetches the pinned release
//! ([`download`], [`unpack`]) and [`failed_download`] remembers a failed attempt, [`doctor`]
//! checks the harness and what it needs, and [`supervise`] runs it in its own process group.

pub(crate) mod cache;
pub(crate) mod doctor;
pub(crate) mod download;
pub(crate) mod failed_download;
pub(crate) mod install;
pub(crate) mod jarinfo;
pub(crate) mod locate;
pub(crate) mod supervise;
pub(crate) mod unpack;
