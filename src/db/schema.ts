import type { AttributionTables } from './tables/attribution.ts';
import type { FoundationTables } from './tables/foundation.ts';
import type { HandoffScoringTables } from './tables/handoff-scoring.ts';
import type { HandoffSlaTables } from './tables/handoff-sla.ts';
import type { PlanningTables } from './tables/planning.ts';

// One interface per business area's tables; the database is their union.
export interface DB
  extends AttributionTables,
    FoundationTables,
    HandoffScoringTables,
    HandoffSlaTables,
    PlanningTables {}
