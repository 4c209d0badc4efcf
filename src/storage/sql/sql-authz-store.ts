import type { Kysely } from 'kysely';
import type { GrantConditions } from '../../authz/model.js';
import type { AuthzPolicyStore, StoredGrant, StoredPolicy, StoredRole } from '../../authz/store.js';
import type { Database } from '../database-schema.js';
import { isUniqueViolation } from './sql-errors.js';

// Type aliases, not interfaces: Kysely's withTables needs index-compatible types.
export type AuthzTables = {
  authz_roles: {
    name: string;
    description: string | null;
    inherits: string;
    permissions: string;
    created_at: number;
    updated_at: number;
  };
  authz_grants: {
    id: string;
    subject_kind: string;
    subject: string;
    resource_type: string;
    resource_id: string;
    actions: string;
    effect: string;
    conditions: string | null;
    created_by: string | null;
    created_at: number;
  };
  authz_role_assignments: {
    principal_id: string;
    role: string;
    assigned_by: string | null;
    assigned_at: number;
  };
};

type AuthzDb = Kysely<Database & AuthzTables>;

/** The stored policy in SQLite or PostgreSQL. */
export class SqlAuthzPolicyStore implements AuthzPolicyStore {
  readonly #db: AuthzDb;
  constructor(db: Kysely<Database>) {
    this.#db = db.withTables<AuthzTables>();
  }

  async load(): Promise<StoredPolicy> {
    const [roles, grants, assignments] = await Promise.all([
      this.#db.selectFrom('authz_roles').selectAll().orderBy('name').execute(),
      this.#db.selectFrom('authz_grants').selectAll().orderBy('created_at').orderBy('id').execute(),
      this.#db
        .selectFrom('authz_role_assignments')
        .selectAll()
        .orderBy('principal_id')
        .orderBy('role')
        .execute(),
    ]);
    return {
      roles: roles.map(
        (r): StoredRole => ({
          name: r.name,
          description: r.description,
          inherits: JSON.parse(r.inherits) as string[],
          permissions: JSON.parse(r.permissions) as string[],
          createdAt: Number(r.created_at),
          updatedAt: Number(r.updated_at),
        }),
      ),
      grants: grants.map(
        (g): StoredGrant => ({
          id: g.id,
          subject:
            g.subject_kind === 'role'
              ? { kind: 'role', name: g.subject }
              : { kind: 'principal', id: g.subject },
          resourceType: g.resource_type,
          resourceId: g.resource_id,
          actions: JSON.parse(g.actions) as string[],
          effect: g.effect === 'deny' ? 'deny' : 'allow',
          ...(g.conditions === null
            ? {}
            : { conditions: JSON.parse(g.conditions) as GrantConditions }),
          createdBy: g.created_by,
          createdAt: Number(g.created_at),
        }),
      ),
      assignments: assignments.map((a) => ({
        principalId: a.principal_id,
        role: a.role,
        assignedBy: a.assigned_by,
        assignedAt: Number(a.assigned_at),
      })),
    };
  }

  async putRole(role: StoredRole): Promise<void> {
    const values = {
      name: role.name,
      description: role.description,
      inherits: JSON.stringify(role.inherits),
      permissions: JSON.stringify(role.permissions),
      created_at: role.createdAt,
      updated_at: role.updatedAt,
    };
    await this.#db
      .insertInto('authz_roles')
      .values(values)
      .onConflict((oc) =>
        oc.column('name').doUpdateSet({
          description: values.description,
          inherits: values.inherits,
          permissions: values.permissions,
          updated_at: values.updated_at,
        }),
      )
      .execute();
  }

  async deleteRole(name: string): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('authz_role_assignments').where('role', '=', name).execute();
      const r = await trx.deleteFrom('authz_roles').where('name', '=', name).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    });
  }

  async addGrant(grant: StoredGrant): Promise<boolean> {
    try {
      await this.#db
        .insertInto('authz_grants')
        .values({
          id: grant.id,
          subject_kind: grant.subject.kind,
          subject: grant.subject.kind === 'role' ? grant.subject.name : grant.subject.id,
          resource_type: grant.resourceType,
          resource_id: grant.resourceId,
          actions: JSON.stringify(grant.actions),
          effect: grant.effect,
          conditions: grant.conditions === undefined ? null : JSON.stringify(grant.conditions),
          created_by: grant.createdBy,
          created_at: grant.createdAt,
        })
        .execute();
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async deleteGrant(id: string): Promise<boolean> {
    const r = await this.#db.deleteFrom('authz_grants').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async setAssignments(
    principalId: string,
    roles: readonly string[],
    by: string | null,
    now: number,
  ): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('authz_role_assignments')
        .where('principal_id', '=', principalId)
        .execute();
      if (roles.length > 0)
        await trx
          .insertInto('authz_role_assignments')
          .values(
            roles.map((role) => ({
              principal_id: principalId,
              role,
              assigned_by: by,
              assigned_at: now,
            })),
          )
          .execute();
    });
  }
}
