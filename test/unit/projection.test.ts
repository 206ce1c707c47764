import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PCA_BELOW, project } from '../../src/engine/map/projection.js';
import { SentenceLensError } from '../../src/engine/errors.js';
import { Rng } from '../../src/engine/random.js';

/** `perCluster` noisy copies of each of `clusters` random centres in `dim` dimensions; cluster i at rows i, i+k, i+2k… */
function clustered(clusters: number, perCluster: number, dim = 32, seed = 3): { vectors: Float32Array[]; cluster: number[] } {
  const rng = new Rng(seed);
  const centres = Array.from({ length: clusters }, () => Float32Array.from({ length: dim }, () => rng.normal()));
  const vectors: Float32Array[] = [];
  const cluster: number[] = [];
  for (let i = 0; i < clusters * perCluster; i++) {
    vectors.push(Float32Array.from(centres[i % clusters]!, (c) => c + 0.3 * rng.normal()));
    cluster.push(i % clusters);
  }
  return { vectors, cluster };
}

/** Share of points whose nearest other point in the picture belongs to their own cluster. */
function nearestNeighbourPurity(xy: Float64Array, cluster: number[]): number {
  let same = 0;
  for (let i = 0; i < cluster.length; i++) {
    let best = -1;
    let bestD = Infinity;
    for (let j = 0; j < cluster.length; j++) {
      if (j === i) continue;
      const d = (xy[2 * i]! - xy[2 * j]!) ** 2 + (xy[2 * i + 1]! - xy[2 * j + 1]!) ** 2;
      if (d < bestD) [best, bestD] = [j, d];
    }
    if (cluster[best] === cluster[i]) same++;
  }
  return same / cluster.length;
}

test('UMAP: one finite 2-D point per vector, the same picture for the same seed, another for another seed', async () => {
  const { vectors } = clustered(3, 20);
  const a = await project(vectors, { seed: 7, nEpochs: 50 });
  const b = await project(vectors, { seed: 7, nEpochs: 50 });
  const c = await project(vectors, { seed: 8, nEpochs: 50 });
  assert.equal(a.method, 'umap');
  assert.equal(a.xy.length, 2 * vectors.length);
  assert.ok(a.xy.every(Number.isFinite));
  assert.deepEqual(a.xy, b.xy);
  assert.notDeepEqual(a.xy, c.xy);
  assert.deepEqual(a.params, { n_neighbors: 15, min_dist: 0.1, epochs: 50, seed: 7 });
});

test('UMAP keeps clusters apart: each point lies nearest to a point of its own cluster', async () => {
  const { vectors, cluster } = clustered(3, 20);
  const { xy } = await project(vectors, { seed: 1, nEpochs: 100 });
  assert.ok(nearestNeighbourPurity(xy, cluster) >= 0.95, `purity ${nearestNeighbourPurity(xy, cluster)}`);
});

test(`PCA below ${PCA_BELOW} points: the first axis separates two clusters, deterministic`, async () => {
  const { vectors, cluster } = clustered(2, 6);
  const a = await project(vectors);
  const b = await project(vectors);
  assert.equal(a.method, 'pca');
  assert.deepEqual(a.xy, b.xy);
  const xs = cluster.map((c, i) => ({ c, x: a.xy[2 * i]! }));
  const side = (c: number) => Math.sign(xs.filter((p) => p.c === c).reduce((s, p) => s + p.x, 0));
  assert.notEqual(side(0), side(1));
  for (const p of xs) assert.equal(Math.sign(p.x), side(p.c), 'every point on its cluster’s side of the first component');
});

test('degenerate inputs: none, one, identical vectors', async () => {
  assert.equal((await project([])).xy.length, 0);
  assert.deepEqual([...(await project([Float32Array.of(1, 2)])).xy], [0, 0]);
  const same = await project([Float32Array.of(1, 2), Float32Array.of(1, 2), Float32Array.of(1, 2)]);
  assert.ok(same.xy.every((v) => v === 0));
});

test('vectors of different lengths or with NaN are refused with the row named', async () => {
  await assert.rejects(project([Float32Array.of(1, 2), Float32Array.of(1)]), (e: unknown) => e instanceof SentenceLensError && /embedding 1 has 1 values \(expected 2/.test(e.message));
  await assert.rejects(project([Float32Array.of(1, NaN)]), /embedding 0/);
});

test('an aborted signal cancels a UMAP fit part-way, after progress was reported', async () => {
  const { vectors } = clustered(3, 20);
  const controller = new AbortController();
  const seen: number[] = [];
  await assert.rejects(
    project(vectors, {
      nEpochs: 200,
      signal: controller.signal,
      onProgress: (done) => {
        seen.push(done);
        if (done >= 20) controller.abort();
      },
    }),
    (e: unknown) => e instanceof SentenceLensError && e.code === 'CANCELLED',
  );
  assert.deepEqual(seen, [10, 20]);
});
