//! "Did you mean …?" suggestions by edit distance.

/// The closest candidate to `name`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let wanted: Vec<char> = name.chars().collect();
    let max = (wanted.len() / 3).max(1);
    let mut best: Option<(usize, &'a str)> = None;
    let mut buffer = Vec::new();
    let mut chars = Vec::new();
    for candidate in candidates {
        if candidate == name {
            continue;
        }
        // `EXPOSE` for `expose`: the same name in another case is the answer.
        if candidate.eq_ignore_ascii_case(name) {
            return Some(candidate);
        }
        // A distance is at least the difference in length: most candidates stop here.
        let len = candidate.chars().count();
        let bound = best.map_or(max, |(d, _)| d);
        if len.abs_diff(wanted.len()) > bound {
            continue;
        }
        chars.clear();
        chars.extend(candidate.chars());
        if let Some(d) = distance_within(&wanted, &chars, bound, &mut buffer) {
            if best.is_none_or(|(b, c)| (d, candidate) < (b, c)) {
                best = Some((d, candidate));
            }
        }
    }
    best.map(|(_, c)| c)
}

/// How many names the "did you mean" searches of one query compare: each search
/// compares the unknown name with every candidate, so 10,000 unknown names among
/// 10,000 definitions would be 10^8 comparisons. Past this many, unknown names
/// are reported without a suggestion (the first ones have theirs).
pub const COMPARISONS: u64 = 250_000;

/// The comparisons one query has made (interior mutability: shared by reference).
#[derive(Debug, Default)]
pub struct Searches {
    compared: std::cell::Cell<u64>,
}

impl Searches {
    /// Whether one more search among `candidates` names is allowed.
    pub fn allow(&self, candidates: usize) -> bool {
        let compared = self.compared.get().saturating_add(candidates as u64);
        self.compared.set(compared);
        compared <= COMPARISONS
    }
}

/// The help line for an unknown name, when a close candidate exists.
pub fn help<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    did_you_mean(name, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// The optimal string alignment distance (Levenshtein plus adjacent
/// transpositions) when it is at most `max`; gives up as soon as a row of the
/// table exceeds it.
fn distance_within(a: &[char], b: &[char], max: usize, d: &mut Vec<usize>) -> Option<usize> {
    let width = b.len() + 1;
    d.clear();
    d.resize((a.len() + 1) * width, 0);
    let at = |i: usize, j: usize| i * width + j;
    for i in 0..=a.len() {
        d[at(i, 0)] = i;
    }
    for j in 0..=b.len() {
        d[at(0, j)] = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[at(i - 1, j)] + 1)
                .min(d[at(i, j - 1)] + 1)
                .min(d[at(i - 1, j - 1)] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[at(i - 2, j - 2)] + 1);
            }
            d[at(i, j)] = best;
        }
        if (0..=b.len()).all(|j| d[at(i, j)] > max) {
            return None;
        }
    }
    Some(d[at(a.len(), b.len())]).filter(|&distance| distance <= max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(
            did_you_mean("entrypiont", ["entrypoint", "cmd"]),
            Some("entrypoint")
        );
        assert_eq!(did_you_mean("cmdd", ["entrypoint", "cmd"]), Some("cmd"));
        assert_eq!(did_you_mean("xyz", ["entrypoint", "cmd"]), None);
    }
}
