/**
 * Names for the tensors a fuser adds to a graph: `name` itself when it is free, else `name_1`,
 * `name_2`…; every name handed out is taken from then on, so what the fuser adds never collides
 * with the backbone's tensors or with itself.
 */
export function uniqueNames(taken: Set<string>): (name: string) => string {
  return (name) => {
    let candidate = name;
    for (let i = 1; taken.has(candidate); i++) {
      candidate = `${name}_${i}`;
    }
    taken.add(candidate);
    return candidate;
  };
}
