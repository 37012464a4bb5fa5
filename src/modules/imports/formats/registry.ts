import type { ImportFormat } from '../imports.ts';
import type { FormatAdapter } from './adapter.ts';
import { hubspotFormat } from './hubspot.ts';
import { mavenCrmFormat } from './maven-crm.ts';
import { olistFormat } from './olist.ts';
import { salesforceFormat } from './salesforce.ts';
import { tandemFormat } from './tandem.ts';

/** Every import format by name. */
export const FORMATS: Record<ImportFormat, FormatAdapter> = {
  tandem: tandemFormat,
  hubspot: hubspotFormat,
  salesforce: salesforceFormat,
  olist: olistFormat,
  'maven-crm': mavenCrmFormat,
};
