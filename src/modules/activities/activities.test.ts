import { describe, expect, it } from 'vitest';
import type { Role } from '../../db/tables/foundation.ts';
import type { Caller } from '../auth/auth.ts';
import { activityRefusal } from './activities.ts';

const as = (role: Role, userId = 7): Caller => ({ workspaceId: 1, userId, role, via: 'token' });
const mine = { id: 1, owner_id: 7 };
const theirs = { id: 2, owner_id: 8 };

describe('who may log an activity', () => {
  it('admins and marketing anywhere and as anyone; executives never', () => {
    for (const role of ['admin', 'marketing'] as const)
      expect(activityRefusal(as(role), { lead: theirs, actorId: 99 })).toBeNull();
    expect(activityRefusal(as('executive'), { lead: mine, actorId: 7 })).toBe(
      'Executives can read activities but not log them',
    );
  });

  it('reps as themselves, on a lead or a deal they own', () => {
    for (const role of ['sales', 'sdr'] as const) {
      expect(activityRefusal(as(role), { lead: mine, actorId: 7 })).toBeNull();
      expect(activityRefusal(as(role), { opportunity: mine, actorId: 7 })).toBeNull();
      expect(activityRefusal(as(role), { lead: theirs, opportunity: mine, actorId: 7 })).toBeNull();
      expect(activityRefusal(as(role), { lead: mine, opportunity: theirs, actorId: 7 })).toBeNull();
      expect(activityRefusal(as(role), { lead: theirs, actorId: 7 })).toBe(
        'lead 2 is not yours; reps log activities only on leads or opportunities they own',
      );
      expect(
        activityRefusal(as(role), { lead: theirs, opportunity: { id: 5, owner_id: null }, actorId: 7 }),
      ).toBe(
        'lead 2 and opportunity 5 are not yours; reps log activities only on leads or opportunities they own',
      );
      expect(activityRefusal(as(role), { lead: mine, actorId: 8 })).toBe(
        'reps log activities as themselves, not as user 8',
      );
    }
  });
});
