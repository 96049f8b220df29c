import { ConfigError } from '../errors.ts';
import type { Step } from '../steps/step.ts';
import type { Flow } from '../topology/flow.ts';
import type { JoinDescription } from './join-options.ts';

// Here, not beside join(): the topology module (in every bundle) must not pull in the join's runtime.
const isJoinStep = (step: Step): step is Step & { readonly join: JoinDescription } =>
  step.kind === 'join' && typeof (step as { join?: unknown }).join === 'object';

interface JoinSideAt {
  readonly flow: Flow;
  readonly path: string;
  readonly join: JoinDescription;
}

/**
 * Each stream–stream join has exactly one left and one right side, in flows reading two co-partitioned topics:
 * the same number of partitions, each keyed by the join key (a record of one key must land in the same
 * partition number on both topics, as Kafka Streams requires), and both sides declaring the same window, grace,
 * type and state table, each naming the other's topic. Throws a ConfigError naming the flows.
 */
export const checkJoins = (flows: readonly Flow[]): void => {
  const byName = new Map<string, JoinSideAt[]>();
  for (const flow of flows) {
    flow.steps.forEach((step, i) => {
      if (!isJoinStep(step)) return;
      const sides = byName.get(step.join.name) ?? [];
      sides.push({ flow, path: `flows.${flow.name}.steps[${i}] (join ${step.join.name})`, join: step.join });
      byName.set(step.join.name, sides);
    });
  }
  for (const [name, sides] of byName) {
    const left = sides.filter((s) => s.join.side === 'left');
    const right = sides.filter((s) => s.join.side === 'right');
    const first = sides[0] as JoinSideAt;
    if (left.length !== 1 || right.length !== 1) {
      throw new ConfigError(
        first.path,
        `join "${name}" needs one left and one right side, found ${left.length} left (${left.map((s) => s.flow.name).join(', ') || 'none'}) and ${right.length} right (${right.map((s) => s.flow.name).join(', ') || 'none'})`,
      );
    }
    const l = left[0] as JoinSideAt;
    const r = right[0] as JoinSideAt;
    const both = `flows ${l.flow.name} (left) and ${r.flow.name} (right)`;
    if (l.join.other.name !== r.flow.source.topic.name)
      throw new ConfigError(
        `${l.path}.other`,
        `is "${l.join.other.name}", but the right side, flow ${r.flow.name}, reads "${r.flow.source.topic.name}"`,
      );
    if (r.join.other.name !== l.flow.source.topic.name)
      throw new ConfigError(
        `${r.path}.other`,
        `is "${r.join.other.name}", but the left side, flow ${l.flow.name}, reads "${l.flow.source.topic.name}"`,
      );
    const lw = l.join.window;
    const rw = r.join.window;
    if (lw.beforeMs !== rw.beforeMs || lw.afterMs !== rw.afterMs || lw.graceMs !== rw.graceMs)
      throw new ConfigError(
        `${r.path}.within`,
        `differs from the left side's window and grace: ${both} must declare the same`,
      );
    if (l.join.type !== r.join.type)
      throw new ConfigError(
        `${r.path}.type`,
        `is ${r.join.type}, the left side's is ${l.join.type}: ${both} must declare the same`,
      );
    if (l.join.state.name !== r.join.state.name)
      throw new ConfigError(
        `${r.path}.state`,
        `is table "${r.join.state.name}", the left side's is "${l.join.state.name}": both sides share one state table`,
      );
    const lp = l.flow.source.topic.partitions;
    const rp = r.flow.source.topic.partitions;
    if (lp !== rp)
      throw new ConfigError(
        r.path,
        `join "${name}": ${both} read topics that are not co-partitioned: "${l.flow.source.topic.name}" has ${lp} partitions, "${r.flow.source.topic.name}" has ${rp}`,
      );
    for (const s of [l, r]) {
      // A topic declared keyedBy the join's field is keyed by it (shared/topology/repartition.ts reads the same).
      if (!s.join.topicKeyed && s.flow.source.topic.keyedBy !== s.join.keyedBy)
        throw new ConfigError(
          `${s.path}.key`,
          `join "${name}": ${both} are not co-partitioned: flow ${s.flow.name} joins on ${s.join.keyedBy}, which is not the key of topic "${s.flow.source.topic.name}"; key the topic by it (declare the topic keyedBy: '${s.join.keyedBy}', or topicKeyed: true on the join) so both topics place a key in the same partition`,
        );
    }
  }
};
