import { randomUUID } from 'node:crypto';
import { projectionSpec } from './projection-spec';
import { sampleModel } from './sample-model.fixture';

// The spec helper on the machinery's own sample model: jsonb, timestamptz, a trigger, a composite key.
describe('projectionSpec', () => {
  const spec = projectionSpec(sampleModel(), { metadata: { occurredAt: '2026-11-29T05:00:00.000Z' } });
  const [team, alice, bob] = [randomUUID(), randomUUID(), randomUUID()];
  const created = {
    type: 'TeamCreated',
    data: { teamId: team, code: 'ops', name: 'Ops', settings: { pager: true } },
  };

  it('compares the rows the events leave, as PostgreSQL writes them in JSON', () =>
    spec
      .given(
        created,
        { type: 'MemberJoined', data: { teamId: team, memberId: alice, role: 'owner' } },
        { type: 'MemberJoined', data: { teamId: team, memberId: bob, role: 'member' } },
        {
          type: 'TeamRenamed',
          data: { teamId: team, name: 'Operations' },
          metadata: { occurredAt: '2026-11-29T06:00:00.000Z' },
        },
        { type: 'MemberLeft', data: { teamId: team, memberId: alice } },
        { type: 'Pinged', data: {} },
      )
      .then({
        teams: [
          {
            id: team,
            name: 'Operations',
            status: 'active',
            settings: { pager: true },
            updated_at: '2026-11-29T06:00:00+00:00',
            deleted_at: null,
          },
        ],
        team_members: [{ team_id: team, member_id: bob, role: 'member' }],
      }));

  it('names the event a batch cannot apply', () =>
    spec
      .given(created, { type: 'MemberJoined', data: { teamId: team, memberId: alice, role: 'boss' } })
      .thenFails(/cannot apply event MemberJoined .*team_members_role_check/));
});
