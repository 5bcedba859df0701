//! Trying again what may pass, with exponential backoff: one helper for
//! Google's calls, token refreshes and the outbox, each with its rules as a
//! `Backoff` value.

use std::{fmt::Display, future::Future, time::Duration};

/// How often and how patiently to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// The wait before the second attempt, doubled before each later one.
    pub first: Duration,
    /// No wait is longer, whatever the other side asks for.
    pub max: Duration,
}

/// What a failed attempt calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// The failure is final: a refusal, not a hiccup.
    Never,
    /// Try again after the policy's next wait.
    AfterBackoff,
    /// Try again after this long (the other side's `Retry-After`), or the
    /// policy's longest wait if that is shorter.
    After(Duration),
}

impl Backoff {
    /// The wait before retry number `retry` (0 is the wait before the second
    /// attempt).
    pub fn delay(&self, retry: u32) -> Duration {
        self.first.saturating_mul(2u32.saturating_pow(retry)).min(self.max)
    }

    /// Runs `attempt` until it succeeds, `judge` calls its failure final, or
    /// the attempts run out; the last failure is returned as it was.
    pub async fn retry<T, E, Fut>(
        &self,
        what: &str,
        mut attempt: impl FnMut() -> Fut,
        judge: impl Fn(&E) -> Retry,
    ) -> Result<T, E>
    where
        Fut: Future<Output = Result<T, E>>,
        E: Display,
    {
        let mut retries = 0;
        loop {
            let error = match attempt().await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            let wait = match judge(&error) {
                Retry::Never => return Err(error),
                Retry::AfterBackoff => self.delay(retries),
                Retry::After(asked) => asked.min(self.max),
            };
            if retries + 1 >= self.attempts {
                return Err(error);
            }
            tracing::warn!(attempt = retries + 1, %error, "{what} failed; retrying");
            tokio::time::sleep(wait).await;
            retries += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    const QUICK: Backoff =
        Backoff { attempts: 3, first: Duration::from_millis(1), max: Duration::from_millis(3) };

    #[test]
    fn waits_double_up_to_the_longest() {
        let policy = Backoff { attempts: 10, first: Duration::from_secs(30), max: Duration::from_secs(3600) };
        let waits: Vec<u64> = (0..9).map(|retry| policy.delay(retry).as_secs()).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(policy.delay(u32::MAX), Duration::from_secs(3600));
    }

    #[tokio::test]
    async fn a_passing_failure_is_tried_again_until_the_attempts_run_out() {
        let tries = AtomicU32::new(0);
        let result: Result<(), String> = QUICK
            .retry(
                "test",
                || async {
                    tries.fetch_add(1, Ordering::SeqCst);
                    Err("busy".to_owned())
                },
                |_| Retry::AfterBackoff,
            )
            .await;
        assert_eq!(result, Err("busy".to_owned()));
        assert_eq!(tries.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_final_failure_is_not_tried_again_and_a_success_ends_the_retries() {
        let tries = AtomicU32::new(0);
        let refused: Result<(), String> = QUICK
            .retry(
                "test",
                || async {
                    tries.fetch_add(1, Ordering::SeqCst);
                    Err("no".to_owned())
                },
                |_| Retry::Never,
            )
            .await;
        assert_eq!(refused, Err("no".to_owned()));
        assert_eq!(tries.swap(0, Ordering::SeqCst), 1);

        let second_time: Result<u32, String> = QUICK
            .retry(
                "test",
                || async {
                    match tries.fetch_add(1, Ordering::SeqCst) {
                        0 => Err("busy".to_owned()),
                        n => Ok(n),
                    }
                },
                |_| Retry::After(Duration::from_secs(3600)),
            )
            .await;
        assert_eq!(
            second_time,
            Ok(1),
            "a Retry-After longer than the policy allows is cut to its longest wait"
        );
    }
}
