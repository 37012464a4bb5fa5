import type { FoundationTables } from './tables/foundation.ts';

// One interface per business area's tables; the database is their union.
export interface DB extends FoundationTables {}
