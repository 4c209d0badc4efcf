import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/events/event-bus.js';
import type { SecurityEvent } from '../../src/events/security-event.js';
import { IncidentService, meanDurations } from '../../src/monitor/incidents/incident-service.js';
import type { DatabaseHandle } from '../../src/storage/database.js';
import { SqlIncidentStore } from '../../src/storage/sql/sql-incident-store.js';
import { SqlResponseStore } from '../../src/storage/sql/sql-response-store.js';
import { openMigratedTestDatabase, testDatabaseKinds } from '../support/test-databases.js';

const operator = { kind: 'user' as const, id: 'op-1' };

for (const kind of testDatabaseKinds()) {
  describe(`incidents and responses on ${kind}`, () => {
    let close: (() => Promise<void>) | undefined;
    let database: DatabaseHandle;
    let db: Kysely<unknown>;
    let now = Date.UTC(2026, 0, 6, 12);
    const published: SecurityEvent[] = [];
    let incidents: IncidentService;

    beforeAll(async () => {
      ({ handle: database, close } = await openMigratedTestDatabase(kind));
      db = database.db as unknown as Kysely<unknown>;
      const bus = new EventBus({ onHandlerError: () => {}, now: () => now });
      bus.subscribe('collect', (e) => {
        published.push(e);
      });
      incidents = new IncidentService({
        store: new SqlIncidentStore(db),
        events: bus,
        now: () => now,
      });
    });
    afterAll(async () => {
      await close?.();
    });

    it('moves an incident forward only and computes time to detect, acknowledge, contain and resolve', async () => {
      const startedAt = now - 30_000;
      const incident = await incidents.open(
        {
          title: 'brute force',
          severity: 'high',
          key: 'bruteForceIp:192.0.2.1',
          startedAt,
          openedBy: 'system:responses',
        },
        operator,
      );
      now += 60_000;
      await incidents.transition(incident.id, 'acknowledged', operator);
      await expect(incidents.transition(incident.id, 'open', operator)).rejects.toMatchObject({
        code: 'incident_transition_invalid',
      });
      now += 120_000;
      await incidents.transition(incident.id, 'contained', operator);
      now += 300_000;
      const resolved = await incidents.transition(incident.id, 'resolved', operator, 'done');
      expect(resolved).toMatchObject({
        status: 'resolved',
        acknowledgedAt: incident.openedAt + 60_000,
        containedAt: incident.openedAt + 180_000,
        resolvedAt: incident.openedAt + 480_000,
      });
      await expect(incidents.transition(incident.id, 'contained', operator)).rejects.toMatchObject({
        code: 'incident_transition_invalid',
      });
      // Resolved is final: an incident is not reopened, a new one is opened instead.
      for (const to of ['open', 'acknowledged', 'resolved'] as const) {
        await expect(incidents.transition(incident.id, to, operator)).rejects.toMatchObject({
          code: 'incident_transition_invalid',
        });
      }
      const stored = await incidents.get(incident.id);
      expect(meanDurations([stored])).toEqual({
        mttd: 30_000,
        mtta: 60_000,
        mttc: 180_000,
        mttr: 480_000,
      });
      const kinds = (await incidents.timeline(incident.id)).map((e) => [e.kind, e.data.to]);
      expect(kinds).toEqual([
        ['status', 'acknowledged'],
        ['status', 'contained'],
        ['status', 'resolved'],
      ]);
      expect(published.map((e) => e.type)).toContain('incident.status.changed');
    });

    it('stamps skipped milestones when an open incident is resolved at once', async () => {
      const incident = await incidents.open(
        { title: 'false alarm', severity: 'low', openedBy: 'op-1' },
        operator,
      );
      now += 5_000;
      const resolved = await incidents.transition(incident.id, 'resolved', operator);
      expect(resolved.acknowledgedAt).toBe(now);
      expect(resolved.containedAt).toBe(now);
      expect(meanDurations([resolved]).mttd).toBe(0);
    });

    it('joins signals of one key into the unresolved incident, and a resolved one no longer takes them', async () => {
      const input = {
        key: 'replay:192.0.2.5',
        title: 'replay',
        severity: 'high' as const,
        openedBy: 'system:responses',
        entries: [{ kind: 'signal' as const, summary: 's', actor: null, data: {} }],
      };
      const a = await incidents.openOrJoin(input, operator);
      const b = await incidents.openOrJoin(input, operator);
      expect(b.id).toBe(a.id);
      expect(await incidents.timeline(a.id)).toHaveLength(2);
      await incidents.transition(a.id, 'resolved', operator);
      const c = await incidents.openOrJoin(input, operator);
      expect(c.id).not.toBe(a.id);
    });

    it('puts an alert that names the incident or its detector and key on its timeline', async () => {
      const incident = await incidents.open(
        {
          title: 't',
          severity: 'medium',
          key: 'bruteForceIp:192.0.2.77',
          openedBy: 'system:responses',
        },
        operator,
      );
      const alert = (details: Record<string, unknown>) =>
        ({
          id: `e-${Math.random()}`,
          type: 'alert.firing',
          time: now,
          details,
        }) as unknown as SecurityEvent;
      await incidents.recordNotification(alert({ incidentId: incident.id, rule: 'r1' }));
      await incidents.recordNotification(
        alert({ labels: { detector: 'bruteForceIp', key: '192.0.2.77' } }),
      );
      await incidents.recordNotification(
        alert({ labels: { detector: 'bruteForceIp', key: 'elsewhere' } }),
      );
      const notes = (await incidents.timeline(incident.id)).filter(
        (e) => e.kind === 'notification',
      );
      expect(notes).toHaveLength(2);
    });

    it('records response actions, reverts each once, and counts repeats for escalation', async () => {
      const store = new SqlResponseStore(db);
      const base = {
        signalId: null,
        incidentId: null,
        detector: 'bruteForceIp',
        action: 'ban_ip' as const,
        subjectType: 'ip' as const,
        subjectId: '192.0.2.50',
        status: 'executed' as const,
        reversible: true,
        detail: { ruleId: 'r' },
        revertedAt: null,
        revertedBy: null,
      };
      await store.add({ ...base, id: 'a1', createdAt: now - 1000 });
      await store.add({ ...base, id: 'a2', createdAt: now, status: 'dry_run' });
      expect(await store.countSince('ban_ip', '192.0.2.50', now - 10_000)).toBe(1);
      expect(await store.markReverted('a1', now, 'op-1')).toBe(true);
      expect(await store.markReverted('a1', now, 'op-1')).toBe(false);
      expect(await store.markReverted('a2', now, 'op-1')).toBe(false);
      expect(await store.find('a1')).toMatchObject({
        status: 'reverted',
        revertedBy: 'op-1',
        detail: { ruleId: 'r' },
      });
      // A lifted ban still counts: a repeat offender escalates however the last ban ended.
      expect(await store.countSince('ban_ip', '192.0.2.50', now - 10_000)).toBe(1);
      // The window starts at `since` itself, and other subjects and actions are apart.
      expect(await store.countSince('ban_ip', '192.0.2.50', now - 1000)).toBe(1);
      expect(await store.countSince('ban_ip', '192.0.2.50', now - 999)).toBe(0);
      expect(await store.countSince('ban_ip', '192.0.2.51', now - 10_000)).toBe(0);
      expect((await store.list({ limit: 10 })).map((r) => r.id)).toEqual(['a2', 'a1']);
      expect((await store.list({ limit: 10, status: 'dry_run' })).map((r) => r.id)).toEqual(['a2']);
      await store.require('acct-1', 'reuse', now);
      await store.require('acct-1', 'again', now);
      expect(await store.isRequired('acct-1')).toBe(true);
      expect(await store.clear('acct-1')).toBe(true);
      expect(await store.isRequired('acct-1')).toBe(false);
    });
  });
}
