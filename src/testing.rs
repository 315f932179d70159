//! Helpers of the unit tests.

/// The seed pages (`../shared/seeds/`, beside the repository), in file name order.
pub fn seed_pages() -> Vec<String> {
    let mut paths: Vec<_> = std::fs::read_dir("../shared/seeds")
        .expect("../shared/seeds beside the repository")
        .map(|entry| entry.expect("a seed page").path())
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| std::fs::read_to_string(path).expect("a seed page in UTF-8"))
        .collect()
}

/// A seeded stream of numbers: each call `next(m)` gives one below `m` (a linear congruential
/// generator, the same on every platform).
pub fn numbers(seed: u64) -> impl FnMut(u64) -> u64 {
    let mut state = seed;
    move |m| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % m
    }
}
