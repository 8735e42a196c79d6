//! Strongly connected components (Tarjan's algorithm, iterative so that a chain
//! of ten thousand nodes does not exhaust the stack): the import graph's cycles
//! and the stage graph's cycles are both found with it.

/// The component of each node of a graph with nodes `0..edges.len()`, where
/// `edges[n]` lists the nodes `n` points to. Components are numbered in the
/// order they are completed: a component is completed after every component it
/// reaches, so a lower number never reaches a higher one.
pub fn components(edges: &[Vec<usize>]) -> Vec<u32> {
    const UNSEEN: u32 = u32::MAX;
    let n = edges.len();
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<usize> = Vec::new();
    let mut component = vec![UNSEEN; n];
    let mut next_index = 0u32;
    let mut next_component = 0u32;
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        // (node, position of the next edge to follow)
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (node, ref mut edge)) = work.last_mut() {
            if let Some(&next) = edges[node].get(*edge) {
                *edge += 1;
                if next >= n {
                    continue;
                }
                if index[next] == UNSEEN {
                    index[next] = next_index;
                    low[next] = next_index;
                    next_index += 1;
                    stack.push(next);
                    on_stack[next] = true;
                    work.push((next, 0));
                } else if on_stack[next] {
                    low[node] = low[node].min(index[next]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == index[node] {
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component[member] = next_component;
                    if member == node {
                        break;
                    }
                }
                next_component += 1;
            }
        }
    }
    component
}

#[cfg(test)]
mod tests {
    use super::components;

    #[test]
    fn cycles_share_a_component_and_chains_do_not() {
        // 0 → 1 → 2 → 0, 2 → 3, 4 alone with a self loop.
        let edges = vec![vec![1], vec![2], vec![0, 3], vec![], vec![4]];
        let c = components(&edges);
        assert_eq!(c[0], c[1]);
        assert_eq!(c[1], c[2]);
        assert_ne!(c[2], c[3]);
        assert_ne!(c[3], c[4]);
        // 3 is completed before the cycle that reaches it.
        assert!(c[3] < c[0]);
        let chain: Vec<Vec<usize>> = (0..10_000).map(|i| vec![i + 1]).collect();
        let c = components(&chain);
        assert_eq!(
            c.iter().collect::<std::collections::HashSet<_>>().len(),
            10_000
        );
    }
}
