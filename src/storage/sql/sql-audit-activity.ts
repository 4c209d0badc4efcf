import type { AuditActivity } from '../../audit/store.js';
import type { AuditDb } from './audit-tables.js';

/**
 * What happened in a window of the audit trail, for the activity report: totals,
 * actors with repeated failures, addresses an actor had not used before the window, and
 * the busiest actors. Four queries over the `time` index, one after another.
 *
 * @example
 * const activity = await queryAuditActivity(db, Date.now() - 86_400_000, Date.now(), 5);
 */
export async function queryAuditActivity(
  db: AuditDb,
  fromTime: number,
  toTime: number,
  minFailures: number,
): Promise<AuditActivity> {
  const inWindow = db
    .selectFrom('audit_events')
    .where('time', '>=', fromTime)
    .where('time', '<', toTime);
  const totals = await inWindow
    .select((eb) => [
      eb.fn.countAll<number>().as('total'),
      eb.fn
        .sum<number>(eb.case().when('outcome', '!=', 'success').then(1).else(0).end())
        .as('failures'),
    ])
    .executeTakeFirstOrThrow();
  const repeated = await inWindow
    .where('outcome', '!=', 'success')
    .where('actor_id', 'is not', null)
    .select((eb) => [
      'actor_id',
      eb.fn.countAll<number>().as('failures'),
      eb.fn.max('time').as('last_seen'),
    ])
    .groupBy('actor_id')
    .having((eb) => eb.fn.countAll(), '>=', minFailures)
    .orderBy('failures', 'desc')
    .limit(100)
    .execute();
  const newIps = await inWindow
    .where('actor_id', 'is not', null)
    .where('actor_ip', 'is not', null)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('audit_events as earlier')
            .select('earlier.seq')
            .whereRef('earlier.actor_id', '=', 'audit_events.actor_id')
            .whereRef('earlier.actor_ip', '=', 'audit_events.actor_ip')
            .where('earlier.time', '<', fromTime),
        ),
      ),
    )
    .select((eb) => ['actor_id', 'actor_ip', eb.fn.min('time').as('first_seen')])
    .groupBy(['actor_id', 'actor_ip'])
    .orderBy('first_seen', 'desc')
    .limit(100)
    .execute();
  const actors = await inWindow
    .where('actor_id', 'is not', null)
    .select((eb) => [
      'actor_id',
      eb.fn.countAll<number>().as('events'),
      eb.fn
        .sum<number>(eb.case().when('outcome', '!=', 'success').then(1).else(0).end())
        .as('failures'),
      eb.fn.max('risk').as('max_risk'),
      eb.fn.count<number>('actor_ip').distinct().as('ips'),
      eb.fn.max('time').as('last_seen'),
    ])
    .groupBy('actor_id')
    .orderBy('events', 'desc')
    .limit(50)
    .execute();
  return {
    total: Number(totals.total),
    failures: Number(totals.failures ?? 0),
    repeatedFailures: repeated.map((r) => ({
      actorId: r.actor_id ?? '',
      failures: Number(r.failures),
      lastSeen: Number(r.last_seen),
    })),
    newIps: newIps.map((r) => ({
      actorId: r.actor_id ?? '',
      ip: r.actor_ip ?? '',
      firstSeen: Number(r.first_seen),
    })),
    actors: actors.map((r) => ({
      actorId: r.actor_id ?? '',
      events: Number(r.events),
      failures: Number(r.failures ?? 0),
      maxRisk: Number(r.max_risk),
      ips: Number(r.ips),
      lastSeen: Number(r.last_seen),
    })),
  };
}
