//! Whether SharePoint already shows the Exchange photo, and whether a write took effect. Pure.
//!
//! Graph gives no timestamp that SharePoint's could be compared with, so the pictures
//! themselves are compared: both are reduced by the browser to the same tiny square
//! ([`crate::photo::browser::fingerprint`], 16 × 16 RGBA on white) and their mean absolute
//! channel difference is measured. The same picture after JPEG re-encoding and SharePoint's
//! resizing stays within a few levels; different photos are far apart.

use crate::sharepoint::SharePointProfile;

/// Largest mean absolute difference (0–255 per channel) at which two fingerprints are the
/// same picture.
pub const SAME_PICTURE_THRESHOLD: f64 = 10.0;

/// Mean absolute difference of the R, G and B channels of two RGBA buffers of the same size
/// (alpha is ignored: fingerprints are flattened onto white). `None` when the sizes differ or
/// the buffers are empty or not RGBA.
///
/// ```
/// use profile_photo_sync::sync::compare::mean_abs_difference;
/// assert_eq!(mean_abs_difference(&[10, 20, 30, 255], &[20, 20, 10, 0]), Some(10.0));
/// ```
pub fn mean_abs_difference(a: &[u8], b: &[u8]) -> Option<f64> {
    if a.len() != b.len() || a.is_empty() || !a.len().is_multiple_of(4) {
        return None;
    }
    let (sum, count) = a
        .chunks_exact(4)
        .zip(b.chunks_exact(4))
        .flat_map(|(p, q)| p[..3].iter().zip(&q[..3]))
        .fold((0u64, 0u64), |(sum, count), (x, y)| {
            (sum + u64::from(x.abs_diff(*y)), count + 1)
        });
    Some(sum as f64 / count as f64)
}

/// True when two fingerprints show the same picture.
pub fn same_picture(a: &[u8], b: &[u8]) -> bool {
    mean_abs_difference(a, b).is_some_and(|d| d <= SAME_PICTURE_THRESHOLD)
}

/// SharePoint is in sync when it shows a real picture (placeholder state 0) whose large
/// thumbnail's fingerprint matches the Exchange photo's. `sharepoint_fingerprint` is `None`
/// when the thumbnail could not be read.
pub fn is_in_sync(
    profile: &SharePointProfile,
    exchange_fingerprint: &[u8],
    sharepoint_fingerprint: Option<&[u8]>,
) -> bool {
    profile.has_picture()
        && sharepoint_fingerprint.is_some_and(|sp| same_picture(exchange_fingerprint, sp))
}

/// How long the photos read before a click may be written by that click without reading them
/// again: five minutes.
pub const REUSE_COMPARISON_MS: f64 = 5.0 * 60_000.0;

/// True when a comparison read at `read_at_ms` may still be used at `now_ms` (both
/// milliseconds since the epoch): the page shows those photos, so the click writes the one it
/// shows. An older one, or one from the future (the clock moved), is read again.
///
/// `written_elsewhere_at_ms` is when another tab of this browser last wrote a photo, if it
/// did.
pub fn can_reuse(read_at_ms: f64, now_ms: f64, written_elsewhere_at_ms: Option<f64>) -> bool {
    // A write at or after the read (or at a time that does not compare) may be newer.
    let newer = |written: f64| written.partial_cmp(&read_at_ms) != Some(std::cmp::Ordering::Less);
    if written_elsewhere_at_ms.is_some_and(newer) {
        return false;
    }
    let age = now_ms - read_at_ms;
    (0.0..=REUSE_COMPARISON_MS).contains(&age)
}

/// What SharePoint should do after the comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Write the photo.
    Write,
    /// Already in sync and not forced: write nothing.
    NothingToDo,
}

/// Writes unless already in sync; `force` writes anyway.
pub fn decide(in_sync: bool, force: bool) -> Decision {
    if in_sync && !force {
        Decision::NothingToDo
    } else {
        Decision::Write
    }
}

/// Why the profile read back after a write does not show it (`Display`: a technical code, for
/// details and logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VerificationProblem {
    /// SharePoint still shows the placeholder picture.
    #[error("still_placeholder")]
    StillPlaceholder,
    /// SharePoint's profile has no picture address.
    #[error("no_picture_url")]
    NoPictureUrl,
    /// SharePoint's picture timestamp did not change.
    #[error("timestamp_unchanged")]
    TimestampUnchanged,
    /// SharePoint's new thumbnail could not be read.
    #[error("thumbnail_missing")]
    ThumbnailMissing,
    /// SharePoint's new thumbnail is not the photo that was written.
    #[error("thumbnail_differs")]
    ThumbnailDiffers,
}

/// Checks the profile read back after a write against the one read before: a real picture,
/// with an address, and a timestamp that changed.
pub fn check_written(
    before: &SharePointProfile,
    after: &SharePointProfile,
) -> Result<(), VerificationProblem> {
    if after.placeholder_state != Some(0) {
        return Err(VerificationProblem::StillPlaceholder);
    }
    if after.picture_url.is_none() {
        return Err(VerificationProblem::NoPictureUrl);
    }
    if after.picture_timestamp.is_none() || after.picture_timestamp == before.picture_timestamp {
        return Err(VerificationProblem::TimestampUnchanged);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_comparison_is_reused_for_five_minutes_only() {
        let read = 1_700_000_000_000.0;
        assert!(can_reuse(read, read, None));
        assert!(can_reuse(read, read + 299_999.0, None));
        assert!(can_reuse(read, read + REUSE_COMPARISON_MS, None));
        assert!(!can_reuse(read, read + REUSE_COMPARISON_MS + 1.0, None));
        assert!(!can_reuse(read, read - 1.0, None), "clock moved back");
        assert!(!can_reuse(f64::NAN, read, None));
    }

    #[test]
    fn older_photo_is_not_written_over_a_newer_one_from_another_tab() {
        let read = 1_700_000_000_000.0;
        // Another tab wrote a photo after this one read its photos: what this tab shows may be
        // older than what SharePoint has now, so it reads again before writing.
        assert!(!can_reuse(read, read + 60_000.0, Some(read + 30_000.0)));
        // A write before this tab read is already in what it read.
        assert!(can_reuse(read, read + 60_000.0, Some(read - 1.0)));
    }

    fn flat(rgb: [u8; 3]) -> Vec<u8> {
        (0..16 * 16)
            .flat_map(|_| [rgb[0], rgb[1], rgb[2], 255])
            .collect()
    }

    fn profile(placeholder: Option<u8>, url: Option<&str>, ts: Option<&str>) -> SharePointProfile {
        SharePointProfile {
            account_name: "i:0#.f|membership|a@c.com".into(),
            picture_url: url.map(Into::into),
            placeholder_state: placeholder,
            picture_timestamp: ts.map(Into::into),
            ..Default::default()
        }
    }

    #[test]
    fn identical_buffers_are_zero_apart() {
        let a = flat([120, 80, 200]);
        assert_eq!(mean_abs_difference(&a, &a), Some(0.0));
        assert!(same_picture(&a, &a));
    }

    #[test]
    fn alpha_is_ignored() {
        assert_eq!(
            mean_abs_difference(&[1, 2, 3, 0], &[1, 2, 3, 255]),
            Some(0.0)
        );
    }

    #[test]
    fn small_codec_noise_is_the_same_picture() {
        let a = flat([120, 80, 200]);
        let noisy: Vec<u8> = a
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                if i % 4 == 3 {
                    v
                } else if i % 2 == 0 {
                    v + 4
                } else {
                    v - 3
                }
            })
            .collect();
        let d = mean_abs_difference(&a, &noisy).unwrap();
        assert!((3.0..=4.0).contains(&d), "{d}");
        assert!(same_picture(&a, &noisy));
    }

    #[test]
    fn different_photos_are_far_apart() {
        assert!(!same_picture(&flat([200, 40, 40]), &flat([40, 40, 200])));
        assert_eq!(
            mean_abs_difference(&flat([0, 0, 0]), &flat([255, 255, 255])),
            Some(255.0)
        );
        // Just over the threshold.
        assert!(!same_picture(
            &flat([100, 100, 100]),
            &flat([111, 111, 111])
        ));
        assert!(same_picture(&flat([100, 100, 100]), &flat([110, 110, 110])));
    }

    #[test]
    fn mismatched_buffers_are_not_comparable() {
        assert_eq!(
            mean_abs_difference(&[1, 2, 3, 4], &[1, 2, 3, 4, 5, 6, 7, 8]),
            None
        );
        assert_eq!(mean_abs_difference(&[], &[]), None);
        assert_eq!(mean_abs_difference(&[1, 2, 3], &[1, 2, 3]), None);
        assert!(!same_picture(&[], &[]));
    }

    #[test]
    fn in_sync_needs_a_real_matching_picture() {
        let fp = flat([120, 80, 200]);
        let real = profile(
            Some(0),
            Some("https://c-my.sharepoint.com/a_MThumb.jpg"),
            Some("1"),
        );
        assert!(is_in_sync(&real, &fp, Some(&fp)));
        assert!(
            !is_in_sync(&real, &fp, Some(&flat([0, 0, 0]))),
            "a different picture"
        );
        assert!(!is_in_sync(&real, &fp, None), "thumbnail unreadable");
        let placeholder = profile(
            Some(1),
            Some("https://c-my.sharepoint.com/a_MThumb.jpg"),
            None,
        );
        assert!(!is_in_sync(&placeholder, &fp, Some(&fp)));
        let no_url = profile(Some(0), None, None);
        assert!(!is_in_sync(&no_url, &fp, Some(&fp)));
    }

    #[test]
    fn decision() {
        assert_eq!(decide(false, false), Decision::Write);
        assert_eq!(decide(true, false), Decision::NothingToDo);
        assert_eq!(decide(true, true), Decision::Write, "sync anyway");
        assert_eq!(decide(false, true), Decision::Write);
    }

    #[test]
    fn a_write_shows_as_a_new_real_picture() {
        let before = profile(Some(1), None, None);
        let after = profile(Some(0), Some("u"), Some("63870998400"));
        assert_eq!(check_written(&before, &after), Ok(()));
        let before = profile(Some(0), Some("u"), Some("1"));
        let after = profile(Some(0), Some("u"), Some("2"));
        assert_eq!(check_written(&before, &after), Ok(()));
    }

    #[test]
    fn each_verification_problem_is_named() {
        let before = profile(Some(0), Some("u"), Some("1"));
        assert_eq!(
            check_written(&before, &profile(Some(1), Some("u"), Some("2"))),
            Err(VerificationProblem::StillPlaceholder)
        );
        assert_eq!(
            check_written(&before, &profile(None, Some("u"), Some("2"))),
            Err(VerificationProblem::StillPlaceholder)
        );
        assert_eq!(
            check_written(&before, &profile(Some(0), None, Some("2"))),
            Err(VerificationProblem::NoPictureUrl)
        );
        assert_eq!(
            check_written(&before, &profile(Some(0), Some("u"), Some("1"))),
            Err(VerificationProblem::TimestampUnchanged)
        );
        assert_eq!(
            check_written(
                &profile(Some(1), None, None),
                &profile(Some(0), Some("u"), None)
            ),
            Err(VerificationProblem::TimestampUnchanged)
        );
    }
}
