//! "Did you mean ...?": which known word a misspelt one was probably meant to be (shared by
//! the grammars and the host checks in cgtools).

/// The candidate closest to `word`, if close enough.
pub fn closest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = typo_distance(word);
    candidates
        .filter_map(|c| distance_within(word, c, limit).map(|d| (d, c)))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// The edit distance of `a` and `b` if it is at most `limit`. Words whose lengths differ
/// by more than `limit` are skipped without computing it: hints are made for every
/// unknown word of a file, and a table of hundreds of keys must stay cheap.
pub fn distance_within(a: &str, b: &str, limit: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit * 4
        || a.chars().count().abs_diff(b.chars().count()) > limit
    {
        return None;
    }
    Some(edit_distance(a, b)).filter(|&d| d <= limit)
}

/// How many edits still make a typo: one for short words, more for long keys.
pub fn typo_distance(word: &str) -> usize {
    match word.chars().count() {
        0..=4 => 1,
        5..=15 => 2,
        _ => 3,
    }
}

/// Edit distance counting a swap of two neighbours as one edit ("optimal string alignment").
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for (i, row) in d.chunks_mut(width).enumerate() {
        row[0] = i;
    }
    for (j, cell) in d.iter_mut().take(width).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_only_near_misses() {
        let keywords = ["group", "template", "mount"];
        assert_eq!(closest("groups", keywords.into_iter()), Some("group"));
        assert_eq!(closest("tempalte", keywords.into_iter()), Some("template"));
        assert_eq!(closest("cpu", keywords.into_iter()), None);
    }

    #[test]
    fn a_swap_of_neighbours_is_one_edit() {
        assert_eq!(edit_distance("lxc.start.atuo", "lxc.start.auto"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
