import type {
  ActivityType,
  CampaignStatus,
  EventOrigin,
  LifecycleStage,
  OpportunityStatus,
  Role,
  Temperature,
  TouchpointType,
  UserStatus,
} from '../../db/tables/foundation.ts';
import { checkTransition, stampsFor } from '../lifecycle/lifecycle.ts';
import { DEFAULT_MODEL } from '../scoring/scoring.ts';
import {
  CHANNEL_PROFILES,
  CHANNELS,
  type Channel,
  COMPANY_SUFFIXES,
  COMPANY_WORDS_A,
  COMPANY_WORDS_B,
  COMPETITORS,
  CONTENT_ASSETS,
  COUNTRIES,
  EVENT_CITIES,
  EVENT_NAMES,
  FREE_MAIL_DOMAINS,
  INDIVIDUAL_PERSONAS,
  INDUSTRIES,
  INSIGHT_TEXTS,
  LOSS_REASONS,
  LOST_TO_COMPETITOR,
  OTHER_REJECTION_NOTES,
  OUTBOUND_SOURCE,
  PAID_SEARCH_TERMS,
  PERSONAS,
  PRODUCTS,
  type ProductSpec,
  QUALIFICATION_VALUES,
  REJECTION_REASONS,
  type Region,
  type RejectionReason,
  SEGMENTS,
  type Segment,
  TERRITORIES,
  WIN_REASONS,
} from './demo.catalog.ts';
import {
  chance,
  clamp,
  cumulative,
  logNormal,
  pick,
  pickCumulative,
  poisson,
  type Rng,
  randomInt,
  standardNormal,
  streamRng,
  uniform,
  weightedIndex,
} from './demo.random.ts';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** Leads arrive over the 18 months (548 days) before the reference day. */
export const HISTORY_DAYS = 548;
/** Campaigns are planned from two months before the history to four months after the reference day. */
const PLAN_LEAD_IN_DAYS = 60;
const PLAN_LOOKAHEAD_DAYS = 120;
/** Lead volume grows over the history: the last day sees (1 + GROWTH) times the first day's volume. */
const GROWTH = 0.8;
/** Anonymous website visits recorded before a lead converts reach back at most this far. */
export const PRE_CONVERSION_WINDOW_DAYS = 30;
/** Touch types that can be recorded before a person is known (cookie-tracked web visits). */
export const ANONYMOUS_TOUCH_TYPES: readonly TouchpointType[] = ['page_view', 'ad_click'];
/** Touch types that create a lead (the conversion moment). */
export const CONVERSION_TOUCH_TYPES: readonly TouchpointType[] = [
  'form_fill',
  'content_download',
  'event',
  'chat',
];
/** Share of account contacts that sales prospected (sales-sourced). */
const OUTBOUND_SHARE = 0.22;
/** Share of generated units that are individuals with a free-mail address and no account. */
const INDIVIDUAL_SHARE = 0.07;
/** Weight of a failing campaign when choosing where leads come from (normal ones weigh 0.6..1.4). */
const FAILING_WEIGHT = 0.06;
/** Share of leads expected to be inbound, used to price campaigns before leads exist. */
const INBOUND_SHARE = 0.8;

// ---------------------------------------------------------------------------------------
// Sizes

export interface DemoSizeSpec {
  name: string;
  /** Exact number of leads generated. */
  leads: number;
  sdrs: number;
  aesPerTerritory: number;
  /** Parallel campaigns per channel and period (quarter, month or event series). */
  campaignsPerSlot: number;
  /**
   * Multiplies the engagement touchpoints after a lead is known (default 1: about ten
   * touchpoints per lead in all). Size s halves it so the first start, which loads it into
   * the embedded store, stays short.
   */
  journeyDensity?: number;
}

export const DEMO_SIZES = {
  s: { name: 's', leads: 10_000, sdrs: 6, aesPerTerritory: 2, campaignsPerSlot: 1, journeyDensity: 0.5 },
  m: { name: 'm', leads: 250_000, sdrs: 16, aesPerTerritory: 5, campaignsPerSlot: 3 },
  l: { name: 'l', leads: 2_500_000, sdrs: 40, aesPerTerritory: 12, campaignsPerSlot: 6 },
} as const satisfies Record<string, DemoSizeSpec>;
export type DemoSizeName = keyof typeof DEMO_SIZES;

export function isDemoSizeName(value: string): value is DemoSizeName {
  return Object.hasOwn(DEMO_SIZES, value);
}

export interface DemoOptions {
  seed: number;
  size: DemoSizeSpec;
  /** The reference day (UTC midnight): all history lies before it. */
  today: Date;
}

/** Today's date at UTC midnight: the default reference day. */
export function utcMidnight(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

// ---------------------------------------------------------------------------------------
// The company plan: users, teams, products, campaigns (small, held in memory)

export type UserKind = 'admin' | 'executive' | 'marketing' | 'sales_leader' | 'manager' | 'sdr' | 'ae';

export interface PlannedTeam {
  key: string;
  name: string;
  /** Key of the managing user. */
  manager: string;
}

export interface PlannedUser {
  key: string;
  email: string;
  name: string;
  role: Role;
  kind: UserKind;
  team: string | null;
  manager: string | null;
  status: UserStatus;
  territory: string | null;
  /** Works leads from this moment... */
  availableFrom: number;
  /** ...until this one (away or gone since). */
  availableUntil: number;
  createdAt: number;
}

export interface PlannedCampaign {
  key: string;
  name: string;
  channel: Channel;
  type: string;
  status: CampaignStatus;
  cost: number;
  budget: number;
  startMs: number;
  endMs: number;
  startDate: string;
  endDate: string;
  /** When the webinar or event itself takes place. */
  eventMs: number | null;
  owner: string;
  /** Index of the parent program in plan.campaigns. */
  parent: number | null;
  weight: number;
  failing: boolean;
  utmSource: string | null;
  utmCampaign: string | null;
  createdAt: number;
}

interface DaySlot {
  campaigns: number[];
  totals: number[];
}

/** For each channel, for each day of the plan, the campaigns running and their weights. */
type ChannelDayIndex = Record<Channel, (DaySlot | null)[]>;

export interface CompanyPlan {
  seed: number;
  size: DemoSizeSpec;
  todayMs: number;
  historyStartMs: number;
  planStartMs: number;
  planEndMs: number;
  teams: PlannedTeam[];
  users: PlannedUser[];
  userIndex: Map<string, number>;
  products: readonly ProductSpec[];
  campaigns: PlannedCampaign[];
  /** Campaigns a lead can be sourced from (failures included). */
  sourceIndex: ChannelDayIndex;
  /** Campaigns that reach known leads later (failures excluded). */
  touchIndex: ChannelDayIndex;
  sdrs: number[];
  aesByTerritory: Map<string, number[]>;
  territoryOfRegion: Map<Region, string>;
}

const DEMO_DOMAIN = 'demo.example.com';
const pad2 = (value: number) => String(value).padStart(2, '0');

function planUsers(size: DemoSizeSpec, todayMs: number, planStartMs: number) {
  const teams: PlannedTeam[] = [
    { key: 'leadership', name: 'Revenue Leadership', manager: 'cro' },
    { key: 'marketing', name: 'Marketing', manager: 'vp-marketing' },
    { key: 'sdr', name: 'SDR Team', manager: 'sdr-manager' },
    ...TERRITORIES.map((territory) => ({
      key: `ae-${territory.key}`,
      name: `AE ${territory.label}`,
      manager: `manager-${territory.key}`,
    })),
  ];
  const since = planStartMs - 30 * DAY;
  const always = { availableFrom: since, availableUntil: Number.POSITIVE_INFINITY, createdAt: since };
  const users: PlannedUser[] = [];
  const add = (
    user: Omit<PlannedUser, 'availableFrom' | 'availableUntil' | 'createdAt' | 'status'> &
      Partial<PlannedUser>,
  ) => users.push({ status: 'active', ...always, ...user });
  const email = (local: string) => `${local}@${DEMO_DOMAIN}`;

  add({
    key: 'admin',
    email: email('admin'),
    name: 'Demo Admin',
    role: 'admin',
    kind: 'admin',
    team: null,
    manager: null,
    territory: null,
  });
  add({
    key: 'cro',
    email: email('cro'),
    name: 'Chief Revenue Officer',
    role: 'executive',
    kind: 'executive',
    team: 'leadership',
    manager: null,
    territory: null,
  });
  add({
    key: 'vp-sales',
    email: email('vp.sales'),
    name: 'VP Sales',
    role: 'sales',
    kind: 'sales_leader',
    team: 'leadership',
    manager: 'cro',
    territory: null,
  });
  add({
    key: 'vp-marketing',
    email: email('vp.marketing'),
    name: 'VP Marketing',
    role: 'marketing',
    kind: 'marketing',
    team: 'marketing',
    manager: 'cro',
    territory: null,
  });
  for (const [key, local, name] of [
    ['marketing-ops', 'marketing.ops', 'Marketing Ops'],
    ['demand-gen', 'demand.gen', 'Demand Gen Manager'],
    ['content-marketing', 'content.marketing', 'Content Marketing Manager'],
    ['field-marketing', 'field.marketing', 'Field Marketing Manager'],
    ['partner-marketing', 'partner.marketing', 'Partner Marketing Manager'],
  ] as const) {
    add({
      key,
      email: email(local),
      name,
      role: 'marketing',
      kind: 'marketing',
      team: 'marketing',
      manager: 'vp-marketing',
      territory: null,
    });
  }
  add({
    key: 'sdr-manager',
    email: email('sdr.manager'),
    name: 'SDR Manager',
    role: 'sdr',
    kind: 'manager',
    team: 'sdr',
    manager: 'vp-sales',
    territory: null,
  });
  for (let i = 1; i <= size.sdrs; i++) {
    const user: Parameters<typeof add>[0] = {
      key: `sdr-${i}`,
      email: email(`sdr${pad2(i)}`),
      name: `SDR ${pad2(i)}`,
      role: 'sdr',
      kind: 'sdr',
      team: 'sdr',
      manager: 'sdr-manager',
      territory: null,
    };
    // A few people the way real teams have them: one away on leave, one who left, one new hire.
    if (i === 4) Object.assign(user, { status: 'away', availableUntil: todayMs - 10 * DAY });
    if (i === 5 && size.sdrs >= 6)
      Object.assign(user, { status: 'inactive', availableUntil: todayMs - 120 * DAY });
    if (i === size.sdrs && size.sdrs >= 6)
      Object.assign(user, { availableFrom: todayMs - 90 * DAY, createdAt: todayMs - 95 * DAY });
    add(user);
  }
  for (const territory of TERRITORIES) {
    add({
      key: `manager-${territory.key}`,
      email: email(`sales.manager.${territory.key}`),
      name: `Sales Manager ${territory.label}`,
      role: 'sales',
      kind: 'manager',
      team: `ae-${territory.key}`,
      manager: 'vp-sales',
      territory: territory.key,
    });
    for (let i = 1; i <= size.aesPerTerritory; i++) {
      const user: Parameters<typeof add>[0] = {
        key: `ae-${territory.key}-${i}`,
        email: email(`ae.${territory.key}${i}`),
        name: `AE ${territory.label} ${i}`,
        role: 'sales',
        kind: 'ae',
        team: `ae-${territory.key}`,
        manager: `manager-${territory.key}`,
        territory: territory.key,
      };
      if (territory.key === 'apac' && i === 2)
        Object.assign(user, { status: 'away', availableUntil: todayMs - 5 * DAY });
      add(user);
    }
  }
  return { teams, users };
}

function quarterStart(ms: number): number {
  const date = new Date(ms);
  return Date.UTC(date.getUTCFullYear(), Math.floor(date.getUTCMonth() / 3) * 3, 1);
}

function addMonths(ms: number, months: number): number {
  const date = new Date(ms);
  return Date.UTC(
    date.getUTCFullYear(),
    date.getUTCMonth() + months,
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
  );
}

export function slugify(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

interface CampaignDraft {
  name: string;
  channel: Channel;
  type: string;
  startMs: number;
  endMs: number;
  eventMs: number | null;
  failing: boolean;
}

function draftCampaigns(
  rng: Rng,
  size: DemoSizeSpec,
  planStartMs: number,
  planEndMs: number,
  todayMs: number,
) {
  const drafts: CampaignDraft[] = [];
  for (const channel of CHANNELS) {
    const profile = CHANNEL_PROFILES[channel];
    const slots = Math.min(size.campaignsPerSlot, profile.themes.length);
    if (profile.cadence === 'quarter') {
      for (let start = quarterStart(planStartMs); start < planEndMs; start = addMonths(start, 3)) {
        const end = addMonths(start, 3) - DAY;
        const date = new Date(start);
        const label = `${date.getUTCFullYear()} Q${Math.floor(date.getUTCMonth() / 3) + 1}`;
        const quarter = Math.floor((start - Date.UTC(2000, 0, 1)) / (91 * DAY));
        for (let slot = 0; slot < slots; slot++) {
          const theme = profile.themes[(slot + quarter) % profile.themes.length]!;
          drafts.push({
            name: `${profile.label} – ${theme.name} – ${label}`,
            channel,
            type: theme.type,
            startMs: start,
            endMs: end,
            eventMs: null,
            failing: false,
          });
        }
        // Now and then a campaign that costs money and brings nothing: the failures a shared
        // campaign report has to show too.
        if (profile.failable && end < todayMs - 30 * DAY && chance(rng, 0.3)) {
          const theme = profile.themes[(quarter + slots) % profile.themes.length]!;
          drafts.push({
            name: `${profile.label} – ${theme.name} (test) – ${label}`,
            channel,
            type: theme.type,
            startMs: start,
            endMs: end,
            eventMs: null,
            failing: true,
          });
        }
      }
    } else if (profile.cadence === 'year') {
      for (let year = new Date(planStartMs).getUTCFullYear(); Date.UTC(year, 0, 1) < planEndMs; year++) {
        const theme = profile.themes[0]!;
        drafts.push({
          name: `${profile.label} – ${theme.name} ${year}`,
          channel,
          type: theme.type,
          startMs: Date.UTC(year, 0, 1),
          endMs: Date.UTC(year, 11, 31),
          eventMs: null,
          failing: false,
        });
      }
    } else if (profile.cadence === 'month') {
      const series = Math.min(size.campaignsPerSlot, 3);
      const first = new Date(planStartMs);
      let topic = 0;
      for (
        let month = Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), 1);
        month < planEndMs;
        month = addMonths(month, 1)
      ) {
        for (let slot = 0; slot < series; slot++) {
          const eventMs = month + (7 + 7 * slot) * DAY + 16 * HOUR;
          const theme = profile.themes[topic % profile.themes.length]!;
          topic += 1;
          const date = new Date(eventMs);
          drafts.push({
            name: `Webinar: ${theme.name} (${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}${series > 1 ? `, session ${slot + 1}` : ''})`,
            channel,
            type: theme.type,
            // Registration opens when the previous session of the series ends.
            startMs: addMonths(eventMs, -1) + 2 * HOUR,
            endMs: eventMs + 2 * HOUR,
            eventMs,
            failing: false,
          });
        }
      }
    } else if (profile.cadence === 'event') {
      const series = Math.min(size.campaignsPerSlot, profile.themes.length);
      let counter = 0;
      for (let slot = 0; slot < series; slot++) {
        const theme = profile.themes[slot]!;
        const names = EVENT_NAMES[theme.name] ?? [theme.name];
        for (
          let eventDay = planStartMs + (19 + 7 * slot) * DAY;
          eventDay - 19 * DAY < planEndMs;
          eventDay += 21 * DAY
        ) {
          counter += 1;
          const city = EVENT_CITIES[counter % EVENT_CITIES.length]!;
          const year = new Date(eventDay).getUTCFullYear();
          const failing = eventDay + 2 * DAY < todayMs - 30 * DAY && chance(rng, 0.1);
          drafts.push({
            name: `${theme.name}: ${names[counter % names.length]} ${city} ${year}${failing ? ' (sponsorship)' : ''}`,
            channel,
            type: theme.type,
            startMs: eventDay - 19 * DAY,
            endMs: eventDay + 2 * DAY,
            eventMs: eventDay + 9 * HOUR,
            failing,
          });
        }
      }
    }
  }
  return drafts;
}

/**
 * Share of the company's leads arriving on a day of the history; after the history (for
 * the budgets of campaigns still running or planned) the volume of its last day goes on.
 */
function leadDensity(plan: { historyStartMs: number }, dayMs: number): number {
  const x = Math.min(1, (dayMs - plan.historyStartMs) / (HISTORY_DAYS * DAY));
  if (x < 0) return 0;
  return (1 + GROWTH * x) / (1 + GROWTH / 2) / HISTORY_DAYS;
}

function buildIndex(
  campaigns: readonly PlannedCampaign[],
  planStartMs: number,
  days: number,
  include: (campaign: PlannedCampaign) => boolean,
): ChannelDayIndex {
  const index = Object.fromEntries(
    CHANNELS.map((channel) => [channel, new Array<DaySlot | null>(days).fill(null)]),
  ) as ChannelDayIndex;
  campaigns.forEach((campaign, position) => {
    if (campaign.parent === null || !include(campaign)) return;
    const first = Math.max(0, Math.floor((campaign.startMs - planStartMs) / DAY));
    const last = Math.min(days - 1, Math.floor((campaign.endMs - planStartMs) / DAY));
    const slots = index[campaign.channel];
    for (let day = first; day <= last; day++) {
      const slot = slots[day] ?? { campaigns: [], totals: [] };
      slot.campaigns.push(position);
      slot.totals.push((slot.totals[slot.totals.length - 1] ?? 0) + campaign.weight);
      slots[day] = slot;
    }
  });
  return index;
}

export function planCompany(options: DemoOptions): CompanyPlan {
  const { seed, size } = options;
  const todayMs = utcMidnight(options.today).getTime();
  const historyStartMs = todayMs - HISTORY_DAYS * DAY;
  const planStartMs = historyStartMs - PLAN_LEAD_IN_DAYS * DAY;
  const planEndMs = todayMs + PLAN_LOOKAHEAD_DAYS * DAY;
  const rng = streamRng(seed, 1);
  const { teams, users } = planUsers(size, todayMs, planStartMs);
  const userIndex = new Map(users.map((user, position) => [user.key, position]));

  const drafts = draftCampaigns(rng, size, planStartMs, planEndMs, todayMs);
  // Programs: one parent per channel and calendar year; children carry the cost.
  const campaigns: PlannedCampaign[] = [];
  const programOf = new Map<string, number>();
  for (const draft of drafts) {
    const year = new Date(draft.startMs).getUTCFullYear();
    const programKey = `${draft.channel}-${year}`;
    if (!programOf.has(programKey)) {
      const profile = CHANNEL_PROFILES[draft.channel];
      programOf.set(programKey, -1);
      campaigns.push({
        key: `program-${programKey}`,
        name: `${profile.label} Program ${year}`,
        channel: draft.channel,
        type: 'program',
        status: 'active',
        cost: 0,
        budget: 0,
        startMs: Date.UTC(year, 0, 1),
        endMs: Date.UTC(year, 11, 31),
        startDate: `${year}-01-01`,
        endDate: `${year}-12-31`,
        eventMs: null,
        owner: profile.owner,
        parent: null,
        weight: 0,
        failing: false,
        utmSource: null,
        utmCampaign: null,
        createdAt: Math.min(Date.UTC(year, 0, 1), planStartMs) - 14 * DAY,
      });
    }
  }
  campaigns.forEach((campaign, position) => {
    programOf.set(`${campaign.channel}-${campaign.startDate.slice(0, 4)}`, position);
  });
  for (const draft of drafts) {
    const profile = CHANNEL_PROFILES[draft.channel];
    const parent = programOf.get(`${draft.channel}-${new Date(draft.startMs).getUTCFullYear()}`) ?? null;
    campaigns.push({
      key: `campaign-${campaigns.length}`,
      name: draft.name,
      channel: draft.channel,
      type: draft.type,
      status: 'active',
      cost: 0,
      budget: 0,
      startMs: draft.startMs,
      endMs: draft.endMs,
      startDate: isoDate(draft.startMs),
      endDate: isoDate(draft.endMs),
      eventMs: draft.eventMs,
      owner: profile.owner,
      parent,
      weight: draft.failing ? FAILING_WEIGHT : uniform(rng, 0.6, 1.4),
      failing: draft.failing,
      utmSource: profile.utmSources.length > 0 ? pick(rng, profile.utmSources) : null,
      utmCampaign: profile.utmMedium ? slugify(draft.name) : null,
      createdAt: draft.startMs - 14 * DAY,
    });
  }
  const days = Math.ceil((planEndMs - planStartMs) / DAY) + 1;
  const sourceIndex = buildIndex(campaigns, planStartMs, days, () => true);
  const touchIndex = buildIndex(campaigns, planStartMs, days, (campaign) => !campaign.failing);

  // Price each campaign from the leads it is expected to source: cost per lead then differs
  // by channel as the channel profiles say, and failures cost as much as a normal campaign
  // while sourcing a fraction of the leads.
  const shareTotal = CHANNELS.reduce((sum, channel) => sum + CHANNEL_PROFILES[channel].sourceShare, 0);
  const expectedLeads = (campaign: PlannedCampaign, untilMs: number) => {
    const profile = CHANNEL_PROFILES[campaign.channel];
    const slots = sourceIndex[campaign.channel];
    const weight = campaign.failing ? 1 : campaign.weight;
    let expected = 0;
    for (
      let dayMs = Math.max(campaign.startMs, historyStartMs);
      dayMs <= Math.min(campaign.endMs, untilMs);
      dayMs += DAY
    ) {
      const slot = slots[Math.floor((dayMs - planStartMs) / DAY)];
      const total = slot?.totals[slot.totals.length - 1] ?? weight;
      const perDay =
        leadDensity({ historyStartMs }, dayMs) *
        size.leads *
        INBOUND_SHARE *
        (profile.sourceShare / shareTotal);
      expected += (perDay * weight) / (total - campaign.weight + weight);
    }
    return expected;
  };
  const budgets = new Map<number, number>();
  for (const campaign of campaigns) {
    if (campaign.parent === null) continue;
    const profile = CHANNEL_PROFILES[campaign.channel];
    campaign.status =
      campaign.startMs >= todayMs ? 'planned' : campaign.endMs < todayMs ? 'completed' : 'active';
    const factor = campaign.failing ? uniform(rng, 1, 1.4) : uniform(rng, 0.85, 1.2);
    // Spend to date: the part of the campaign that has run.
    campaign.cost =
      Math.round((expectedLeads(campaign, todayMs - DAY) * profile.costPerLead * factor) / 10) * 10;
    // Budget: what the whole campaign was planned to cost.
    const planned = expectedLeads(campaign, campaign.endMs);
    campaign.budget = Math.max(campaign.cost, Math.round((planned * profile.costPerLead * 1.1) / 100) * 100);
    if (campaign.failing && chance(rng, 0.35)) campaign.status = 'cancelled';
    budgets.set(campaign.parent, (budgets.get(campaign.parent) ?? 0) + campaign.budget);
  }
  campaigns.forEach((campaign, position) => {
    if (campaign.parent !== null) return;
    campaign.budget = budgets.get(position) ?? 0;
    campaign.status =
      campaign.startMs >= todayMs ? 'planned' : campaign.endMs < todayMs ? 'completed' : 'active';
  });

  const sdrs = users.flatMap((user, position) => (user.kind === 'sdr' ? [position] : []));
  const aesByTerritory = new Map<string, number[]>();
  users.forEach((user, position) => {
    if (user.kind !== 'ae' || !user.territory) return;
    aesByTerritory.set(user.territory, [...(aesByTerritory.get(user.territory) ?? []), position]);
  });
  const territoryOfRegion = new Map<Region, string>();
  for (const territory of TERRITORIES)
    for (const region of territory.regions) territoryOfRegion.set(region, territory.key);

  return {
    seed,
    size,
    todayMs,
    historyStartMs,
    planStartMs,
    planEndMs,
    teams,
    users,
    userIndex,
    products: PRODUCTS,
    campaigns,
    sourceIndex,
    touchIndex,
    sdrs,
    aesByTerritory,
    territoryOfRegion,
  };
}

// ---------------------------------------------------------------------------------------
// Generated rows (references are positions in the plan or in the unit; the writer maps them to ids)

export interface Utm {
  source: string | null;
  medium: string | null;
  campaign: string | null;
  term: string | null;
  content: string | null;
}

export interface GeneratedTouch {
  type: TouchpointType;
  at: number;
  channel: Channel;
  campaign: number | null;
  utm: Utm | null;
  /** JSON text. */
  metadata: string;
}

export interface GeneratedEvent {
  from: LifecycleStage | null;
  to: LifecycleStage;
  at: number;
  actor: number | null;
  origin: EventOrigin;
  reason: string | null;
}

export interface GeneratedActivity {
  type: ActivityType;
  outcome: string | null;
  notes: string | null;
  at: number;
  actor: number;
}

/** A rep's decision on a handed-off lead (the feedback area's lead_feedback). */
export interface GeneratedFeedback {
  decision: 'accepted' | 'rejected';
  reasonCode: RejectionReason | null;
  note: string | null;
  outcome: 'recycled' | 'disqualified' | null;
  handoffAt: number;
  owner: number;
  decidedAt: number;
}

/** Who got the lead, and how (the routing area's lead_assignments). */
export interface GeneratedAssignment {
  user: number;
  previousOwner: number | null;
  team: string | null;
  ruleName: string | null;
  reason: string;
  assignedAt: number;
}

export type InsightType =
  | 'need'
  | 'objection'
  | 'competitor_mention'
  | 'feature_request'
  | 'pricing_feedback';

/** What a customer said, recorded by a rep (the feedback area's insights). */
export interface GeneratedInsight {
  type: InsightType;
  competitor: string | null;
  body: string;
  source: string;
  at: number;
  author: number;
}

export interface GeneratedLead {
  number: number;
  email: string;
  firstName: string;
  lastName: string;
  title: string;
  phone: string | null;
  company: string | null;
  country: string;
  region: Region;
  industry: string | null;
  employees: number | null;
  source: string;
  sourceDetail: string | null;
  firstUtm: Utm | null;
  lastUtm: Utm | null;
  firstCampaign: number | null;
  stage: LifecycleStage;
  leadStatus: string;
  temperature: Temperature;
  owner: number | null;
  assignedAt: number | null;
  fitScore: number;
  engagementScore: number;
  customFields: Record<string, string>;
  createdAt: number;
  updatedAt: number;
  reached: Partial<Record<LifecycleStage, number>>;
  touchpoints: GeneratedTouch[];
  events: GeneratedEvent[];
  activities: GeneratedActivity[];
  feedback: GeneratedFeedback[];
  assignments: GeneratedAssignment[];
  insights: GeneratedInsight[];
}

export interface GeneratedOpportunity {
  name: string;
  /** Position of the primary lead in unit.leads. */
  primaryLead: number;
  owner: number;
  qualifier: number | null;
  product: number;
  amount: number;
  stage: string;
  status: OpportunityStatus;
  createdAt: number;
  updatedAt: number;
  closeDate: string;
  closedAt: number | null;
  reason: string | null;
  competitor: string | null;
  source: string;
  segment: Segment | null;
  contacts: { lead: number; role: string }[];
  /** Recorded on the opportunity and its primary lead. */
  activities: GeneratedActivity[];
  insights: GeneratedInsight[];
}

export interface GeneratedAccount {
  name: string;
  domain: string;
  industry: string;
  employees: number;
  annualRevenue: number;
  country: string;
  region: Region;
  segment: Segment;
  owner: number | null;
  customFields: Record<string, string>;
  createdAt: number;
  updatedAt: number;
}

/** One company (an account and its contacts) or one individual without an account. */
export interface GeneratedUnit {
  index: number;
  account: GeneratedAccount | null;
  leads: GeneratedLead[];
  opportunities: GeneratedOpportunity[];
}

// ---------------------------------------------------------------------------------------
// Pure helpers (property-tested)

/**
 * When a lead arrives: spread over the history with volume growing towards the reference
 * day (inverse of the linear density's CDF), fewer at weekends, in the working hours of
 * the lead's country. Always before the reference day.
 */
export function sampleCreatedAt(
  rng: Rng,
  historyStartMs: number,
  todayMs: number,
  utcOffset: number,
): number {
  let dayMs = historyStartMs;
  for (let attempt = 0; attempt < 3; attempt++) {
    const u = rng();
    const x = (-1 + Math.sqrt(1 + 2 * GROWTH * u * (1 + GROWTH / 2))) / GROWTH;
    dayMs = historyStartMs + Math.min(HISTORY_DAYS - 1, Math.floor(x * HISTORY_DAYS)) * DAY;
    const weekday = new Date(dayMs).getUTCDay();
    if ((weekday === 0 || weekday === 6) && rng() < 0.65) continue;
    break;
  }
  const localHour = clamp(13 + 2.7 * standardNormal(rng), 6, 22.5);
  let at = Math.floor(dayMs + (localHour - utcOffset) * HOUR + rng() * MINUTE);
  if (at >= todayMs) at -= DAY;
  return Math.max(at, historyStartMs - DAY);
}

/**
 * How long sales takes to answer a handed-off lead, in ms, or null when nobody ever does.
 * A mixture shaped on the study the product brief cites: about 22% never answered, about a
 * quarter of the answered ones after more than a day, a fast group within the hour.
 */
export function sampleResponseDelay(rng: Rng): number | null {
  if (rng() < 0.22) return null;
  const u = rng();
  if (u < 0.28) return Math.max(MINUTE, Math.round(logNormal(rng, 15 * MINUTE, 0.9)));
  if (u < 0.6) return Math.round(logNormal(rng, 4 * HOUR, 1));
  if (u < 0.9) return Math.round(logNormal(rng, 40 * HOUR, 0.6));
  return Math.round(logNormal(rng, 6 * DAY, 0.6));
}

/** Temperature bands of the product's default scoring thresholds. */
export function temperatureFor(score: number): Temperature {
  const { hot, warm } = DEFAULT_MODEL.thresholds;
  return score >= hot ? 'hot' : score >= warm ? 'warm' : 'cold';
}

export const ENGAGEMENT_POINTS: Record<TouchpointType, number> = {
  form_fill: 10,
  content_download: 8,
  webinar: 12,
  event: 12,
  chat: 8,
  email_click: 4,
  email_open: 1,
  page_view: 1,
  ad_click: 2,
};

/** Engagement as of the reference day: points per touch halving every 30 days, capped at 60. */
export function engagementScore(
  touches: readonly { type: TouchpointType; at: number }[],
  todayMs: number,
): number {
  let score = 0;
  for (const touch of touches)
    score += ENGAGEMENT_POINTS[touch.type] * 0.5 ** ((todayMs - touch.at) / (30 * DAY));
  return Math.min(60, Math.round(score));
}

/**
 * Records a lead's stage changes through the product's state machine: every move is checked
 * with checkTransition and stamps the reached-at moments the way transitionLead does.
 * Moments are strictly increasing (at least a second apart).
 */
export class StageHistory {
  stage: LifecycleStage | null = null;
  readonly reached: Partial<Record<LifecycleStage, number>> = {};
  readonly events: GeneratedEvent[] = [];
  lastAt = Number.NEGATIVE_INFINITY;

  /** The stage now (a method, so callers do not keep a narrowed copy across moves). */
  current(): LifecycleStage | null {
    return this.stage;
  }

  move(
    to: LifecycleStage,
    at: number,
    actor: number | null,
    origin: EventOrigin,
    reason: string | null,
  ): number {
    const when = Math.max(Math.floor(at), this.lastAt + 1000);
    let stamps: LifecycleStage[];
    if (this.stage === null) {
      stamps = [to];
    } else {
      const check = checkTransition(this.stage, to);
      if (!check.allowed) throw new Error(`demo journey broke the state machine: ${check.reason}`);
      const reachedDates = Object.fromEntries(
        Object.entries(this.reached).map(([stage, ms]) => [stage, new Date(ms as number)]),
      ) as Partial<Record<LifecycleStage, Date>>;
      stamps = stampsFor(reachedDates, to, check.passedThrough);
    }
    for (const stage of stamps) this.reached[stage] = when;
    this.events.push({ from: this.stage, to, at: when, actor, origin, reason });
    this.stage = to;
    this.lastAt = when;
    return when;
  }
}

// ---------------------------------------------------------------------------------------
// Units: one account with its contacts, their journeys and opportunities

const UNIT_STREAM = 2;

function campaignAt(
  plan: CompanyPlan,
  index: ChannelDayIndex,
  channel: Channel,
  at: number,
  rng: Rng,
): number | null {
  const slot = index[channel][Math.floor((at - plan.planStartMs) / DAY)];
  if (!slot) return null;
  return slot.campaigns[pickCumulative(rng, slot.totals)] ?? null;
}

function utmFor(plan: CompanyPlan, channel: Channel, campaign: number | null, rng: Rng): Utm | null {
  const profile = CHANNEL_PROFILES[channel];
  if (!profile.utmMedium) return null;
  const planned = campaign === null ? null : plan.campaigns[campaign];
  const paid = channel === 'paid_search' || channel === 'paid_social';
  return {
    source: planned?.utmSource ?? (profile.utmSources.length > 0 ? pick(rng, profile.utmSources) : null),
    medium: profile.utmMedium,
    campaign: planned?.utmCampaign ?? null,
    term: channel === 'paid_search' ? pick(rng, PAID_SEARCH_TERMS) : null,
    content: paid
      ? `ad-${pick(rng, ['a', 'b', 'c'])}`
      : channel === 'email'
        ? pick(rng, ['cta-top', 'cta-bottom'])
        : null,
  };
}

const SEGMENT_TOTALS = cumulative(SEGMENTS.map((segment) => segment.weight));
const COUNTRY_TOTALS = cumulative(COUNTRIES.map((country) => country.weight));
const INDUSTRY_TOTALS = cumulative(INDUSTRIES.map((industry) => industry.weight));
const PERSONA_TOTALS = cumulative(PERSONAS.map((persona) => persona.weight));
const INDIVIDUAL_TOTALS = cumulative(INDIVIDUAL_PERSONAS.map((persona) => persona.weight));
const NAME_COMBINATIONS = COMPANY_WORDS_A.length * COMPANY_WORDS_B.length * COMPANY_SUFFIXES.length;

/** A distinct company name and domain for every unit index (a permutation of the word combinations). */
export function companyIdentity(unitIndex: number): { name: string; domain: string } {
  const round = Math.floor(unitIndex / NAME_COMBINATIONS);
  // 7919 is prime and does not divide the number of combinations, so this visits each once per round.
  const combination = (unitIndex * 7919 + round * 131) % NAME_COMBINATIONS;
  const a = COMPANY_WORDS_A[combination % COMPANY_WORDS_A.length]!;
  const b = COMPANY_WORDS_B[Math.floor(combination / COMPANY_WORDS_A.length) % COMPANY_WORDS_B.length]!;
  const suffix =
    COMPANY_SUFFIXES[Math.floor(combination / (COMPANY_WORDS_A.length * COMPANY_WORDS_B.length))]!;
  const name = `${a} ${b} ${suffix}${round > 0 ? ` ${round + 1}` : ''}`;
  return { name, domain: `${slugify(`${a}${b}${suffix}`)}${round > 0 ? round + 1 : ''}.example` };
}

interface CompanyContext {
  segment: Segment;
  industry: string;
  industryFit: number;
  employees: number;
  country: (typeof COUNTRIES)[number];
  region: Region;
  name: string;
  domain: string;
  ae: number;
}

const SOURCE_ADJUSTMENT: Record<Segment | 'individual', Partial<Record<Channel, number>>> = {
  SMB: { paid_search: 1.25, organic_search: 1.2, events: 0.5, partner: 0.6, referral: 1.1 },
  'Mid-Market': {},
  Enterprise: { events: 1.8, partner: 1.6, paid_social: 0.8, paid_search: 0.7, organic_search: 0.8 },
  individual: { organic_search: 1.5, content_syndication: 1.5, events: 0.2, partner: 0, referral: 0.3 },
};

const SOURCE_TOTALS = Object.fromEntries(
  (Object.keys(SOURCE_ADJUSTMENT) as (Segment | 'individual')[]).map((key) => [
    key,
    cumulative(
      CHANNELS.map(
        (channel) => CHANNEL_PROFILES[channel].sourceShare * (SOURCE_ADJUSTMENT[key][channel] ?? 1),
      ),
    ),
  ]),
) as Record<Segment | 'individual', number[]>;

function availableSdr(plan: CompanyPlan, rng: Rng, at: number): number {
  const available = plan.sdrs.filter((position) => {
    const user = plan.users[position]!;
    return user.availableFrom <= at && at < user.availableUntil;
  });
  return pick(rng, available.length > 0 ? available : plan.sdrs);
}

const OPEN_OPPORTUNITY_STAGES = ['discovery', 'demo', 'proposal', 'negotiation'] as const;
const SEGMENT_CYCLE_DAYS: Record<Segment, number> = { SMB: 35, 'Mid-Market': 60, Enterprise: 110 };
const SEGMENT_AMOUNT: Record<Segment, number> = { SMB: 1, 'Mid-Market': 1.3, Enterprise: 1.6 };
const SEGMENT_PRODUCTS: Record<Segment, number[]> = {
  SMB: [0.7, 0.3, 0, 0, 0, 0],
  'Mid-Market': [0.1, 0.7, 0.2, 0, 0, 0],
  Enterprise: [0, 0.2, 0.8, 0, 0, 0],
};
const EXPANSION_PRODUCTS = [0, 0.15, 0.05, 0.4, 0.25, 0.15];
const CONTACT_ROLES = ['economic_buyer', 'technical_evaluator', 'influencer', 'user'];
/** Name of the routing rule the demo's handoffs went through (seeded in the settings too). */
export const ROUND_ROBIN_RULE = 'SDR round robin';

interface LeadDraft {
  lead: GeneratedLead;
  /** The deals the lead opened (a recycled lead may come back and open a second one). */
  opportunities: GeneratedOpportunity[];
}

/** Generates one unit. `remaining` caps its contacts so the company has exactly the leads asked for. */
export function generateUnit(
  plan: CompanyPlan,
  unitIndex: number,
  firstLeadNumber: number,
  remaining: number,
): GeneratedUnit {
  const rng = streamRng(plan.seed, UNIT_STREAM, unitIndex);
  const individual = rng() < INDIVIDUAL_SHARE;
  const country = COUNTRIES[pickCumulative(rng, COUNTRY_TOTALS)]!;
  const region: Region = country.region === 'NA' ? (rng() < 0.45 ? 'NA West' : 'NA East') : country.region;
  let company: CompanyContext | null = null;
  if (!individual) {
    const segment = SEGMENTS[pickCumulative(rng, SEGMENT_TOTALS)]!;
    const industry = INDUSTRIES[pickCumulative(rng, INDUSTRY_TOTALS)]!;
    const [low, high] = segment.employees;
    const employees = Math.round(Math.exp(uniform(rng, Math.log(low), Math.log(high))));
    const identity = companyIdentity(unitIndex);
    const aes = plan.aesByTerritory.get(plan.territoryOfRegion.get(region) ?? 'east') ?? [];
    company = {
      segment: segment.segment,
      industry: industry.name,
      industryFit: industry.fit,
      employees,
      country,
      region,
      name: identity.name,
      domain: identity.domain,
      ae: pick(rng, aes),
    };
  }
  const contacts = individual
    ? 1
    : company!.segment === 'SMB'
      ? 1 + poisson(rng, 0.8)
      : company!.segment === 'Mid-Market'
        ? 1 + poisson(rng, 2.5)
        : 2 + poisson(rng, 5);
  const count = Math.max(1, Math.min(contacts, remaining));

  const drafts: LeadDraft[] = [];
  for (let position = 0; position < count; position++) {
    drafts.push(generateLead(plan, rng, company, country, region, firstLeadNumber + position));
  }
  const leads = drafts.map((draft) => draft.lead);
  const opportunities: GeneratedOpportunity[] = [];
  drafts.forEach((draft, position) => {
    for (const opportunity of draft.opportunities) addOpportunity(opportunity, position);
  });
  function addOpportunity(opportunity: GeneratedOpportunity, position: number) {
    opportunity.primaryLead = position;
    // The buying group: other contacts of the account already known when the deal opened.
    const others = leads
      .map((lead, other) => ({ lead, other }))
      .filter(({ lead, other }) => other !== position && lead.createdAt < opportunity.createdAt)
      .slice(0, 4);
    opportunity.contacts = [
      { lead: position, role: chance(rng, 0.6) ? 'champion' : 'decision_maker' },
      ...others.map(({ other }) => ({ lead: other, role: pick(rng, CONTACT_ROLES) })),
    ];
    opportunities.push(opportunity);
    if (opportunity.status === 'won' && company && chance(rng, 0.35)) {
      const expansion = expansionOpportunity(plan, rng, company, opportunity, position);
      if (expansion) opportunities.push(expansion);
    }
  }

  let account: GeneratedAccount | null = null;
  if (company) {
    const firstWon = opportunities
      .filter((opportunity) => opportunity.status === 'won')
      .reduce<number | null>(
        (first, opportunity) =>
          first === null || opportunity.closedAt! < first ? opportunity.closedAt : first,
        null,
      );
    const createdAt = Math.min(...leads.map((lead) => lead.createdAt)) - randomInt(rng, 0, 3) * DAY;
    const customFields: Record<string, string> = {
      segment: company.segment,
      tier: company.segment === 'Enterprise' ? 'named' : 'standard',
    };
    if (firstWon !== null) {
      customFields.lifecycle = 'customer';
      customFields.customer_since = isoDate(firstWon);
    } else if (opportunities.some((opportunity) => opportunity.status === 'open')) {
      customFields.lifecycle = 'prospect_in_pipeline';
    } else {
      customFields.lifecycle = 'prospect';
    }
    const revenuePerEmployee = uniform(rng, 90_000, 320_000);
    account = {
      name: company.name,
      domain: company.domain,
      industry: company.industry,
      employees: company.employees,
      annualRevenue: Math.round((company.employees * revenuePerEmployee) / 1000) * 1000,
      country: company.country.code,
      region: company.region,
      segment: company.segment,
      // Named accounts and accounts with deals have an owner; the rest are worked by territory.
      owner: company.segment === 'Enterprise' || opportunities.length > 0 ? company.ae : null,
      customFields,
      createdAt,
      updatedAt: Math.max(createdAt, ...opportunities.map((opportunity) => opportunity.updatedAt)),
    };
  }
  return { index: unitIndex, account, leads, opportunities };
}

function expansionOpportunity(
  plan: CompanyPlan,
  rng: Rng,
  company: CompanyContext,
  won: GeneratedOpportunity,
  primaryLead: number,
): GeneratedOpportunity | null {
  const createdAt = won.closedAt! + Math.round(logNormal(rng, 150 * DAY, 0.5));
  if (createdAt >= plan.todayMs - DAY) return null;
  const product = weightedIndex(rng, EXPANSION_PRODUCTS);
  const amount = Math.max(
    1000,
    Math.round((plan.products[product]!.price * uniform(rng, 0.6, 1.6)) / 100) * 100,
  );
  const cycle = Math.round(logNormal(rng, 30 * DAY, 0.5));
  const opportunity = closeOpportunity(plan, rng, {
    name: `${company.name} – ${plan.products[product]!.name} expansion`,
    primaryLead,
    owner: won.owner,
    qualifier: null,
    product,
    amount,
    createdAt,
    cycle,
    winProbability: 0.55,
    source: 'expansion',
    segment: company.segment,
  });
  opportunity.contacts = [{ lead: primaryLead, role: 'champion' }];
  return opportunity;
}

interface OpportunityInput {
  name: string;
  primaryLead: number;
  owner: number;
  qualifier: number | null;
  product: number;
  amount: number;
  createdAt: number;
  cycle: number;
  winProbability: number;
  source: string;
  segment: Segment | null;
}

/** Plays a deal forward: open at the reference day, or won or lost with a reason. */
function closeOpportunity(plan: CompanyPlan, rng: Rng, input: OpportunityInput): GeneratedOpportunity {
  const endAt = input.createdAt + Math.max(3 * DAY, input.cycle);
  const slipped = endAt < plan.todayMs && chance(rng, 0.06);
  const open = endAt >= plan.todayMs || slipped;
  const competitor = chance(rng, 0.6) ? pick(rng, COMPETITORS) : null;
  let status: OpportunityStatus = 'open';
  let stage: string;
  let reason: string | null = null;
  let closedAt: number | null = null;
  if (open) {
    const progress = clamp((plan.todayMs - input.createdAt) / (endAt - input.createdAt), 0, 0.999);
    stage = OPEN_OPPORTUNITY_STAGES[Math.floor(progress * OPEN_OPPORTUNITY_STAGES.length)]!;
  } else {
    closedAt = endAt;
    // Deals with a competitor in them are harder to win.
    const won = chance(rng, clamp(input.winProbability * (competitor ? 0.85 : 1.2), 0.02, 0.95));
    status = won ? 'won' : 'lost';
    stage = won ? 'closed_won' : 'closed_lost';
    reason = won
      ? pick(rng, WIN_REASONS)
      : competitor && chance(rng, 0.5)
        ? LOST_TO_COMPETITOR
        : pick(rng, LOSS_REASONS);
  }
  const activities: GeneratedActivity[] = [];
  const activityEnd = Math.min(closedAt ?? plan.todayMs - MINUTE, plan.todayMs - MINUTE);
  const span = activityEnd - input.createdAt;
  const count = clamp(Math.round(span / (8 * DAY)), 1, 14);
  for (let i = 0; i < count && span > 0; i++) {
    const at = input.createdAt + Math.floor(((i + rng()) / count) * span);
    const kind = rng();
    if (kind < 0.35) {
      activities.push({
        type: 'meeting',
        outcome: chance(rng, 0.9) ? 'held' : 'no_show',
        notes: pick(rng, ['Demo', 'Technical review', 'Pricing discussion', 'Stakeholder meeting']),
        at,
        actor: input.owner,
      });
    } else if (kind < 0.65) {
      activities.push({
        type: 'call',
        outcome: pick(rng, ['connected', 'connected', 'left_voicemail', 'no_answer']),
        notes: null,
        at,
        actor: input.owner,
      });
    } else if (kind < 0.95) {
      activities.push({
        type: 'email',
        outcome: pick(rng, ['sent', 'replied']),
        notes: null,
        at,
        actor: input.owner,
      });
    } else {
      activities.push({
        type: 'note',
        outcome: null,
        notes: pick(rng, [
          'Procurement involved',
          'Security review requested',
          'Budget confirmed for next quarter',
        ]),
        at,
        actor: input.owner,
      });
    }
  }
  const insights: GeneratedInsight[] = [];
  const said = (type: InsightType, body: string, competitorName: string | null = null) => {
    const at = input.createdAt + Math.floor(rng() * Math.max(HOUR, activityEnd - input.createdAt));
    if (at < plan.todayMs)
      insights.push({
        type,
        competitor: competitorName,
        body,
        source: 'sales call',
        at,
        author: input.owner,
      });
  };
  if (competitor && chance(rng, 0.5))
    said('competitor_mention', `Also evaluating: ${competitor}`, competitor);
  if (chance(rng, 0.25)) said('objection', pick(rng, INSIGHT_TEXTS.objection));
  if (chance(rng, 0.15)) said('feature_request', pick(rng, INSIGHT_TEXTS.feature_request));
  if (reason === 'price' || chance(rng, 0.08))
    said('pricing_feedback', pick(rng, INSIGHT_TEXTS.pricing_feedback));
  const lastActivity = activities[activities.length - 1]?.at ?? input.createdAt;
  return {
    name: input.name,
    primaryLead: input.primaryLead,
    owner: input.owner,
    qualifier: input.qualifier,
    product: input.product,
    amount: input.amount,
    stage,
    status,
    createdAt: input.createdAt,
    updatedAt: Math.max(closedAt ?? 0, lastActivity),
    closeDate: isoDate(endAt),
    closedAt,
    reason,
    competitor,
    source: input.source,
    segment: input.segment,
    contacts: [],
    activities,
    insights,
  };
}

interface PostTouchChoice {
  channel: Channel;
  weight: number;
}

const ENGAGEMENT_CHANNELS: PostTouchChoice[] = [
  { channel: 'email', weight: 45 },
  { channel: 'organic_search', weight: 12 },
  { channel: 'direct', weight: 10 },
  { channel: 'paid_social', weight: 7 },
  { channel: 'paid_search', weight: 6 },
  { channel: 'webinar', weight: 6 },
  { channel: 'content_syndication', weight: 4 },
  { channel: 'events', weight: 3 },
  { channel: 'referral', weight: 2 },
  { channel: 'partner', weight: 2 },
];
const ENGAGEMENT_TOTALS = cumulative(ENGAGEMENT_CHANNELS.map((choice) => choice.weight));
const WEB_CHANNELS: Channel[] = ['paid_search', 'paid_social', 'organic_search', 'direct', 'referral'];

function touchTypeFor(channel: Channel, rng: Rng): TouchpointType {
  switch (channel) {
    case 'email':
      return rng() < 0.7 ? 'email_open' : 'email_click';
    case 'organic_search':
      return rng() < 0.8 ? 'page_view' : 'content_download';
    case 'direct':
      return rng() < 0.85 ? 'page_view' : 'chat';
    case 'paid_search':
      return rng() < 0.6 ? 'ad_click' : 'page_view';
    case 'paid_social':
      return 'ad_click';
    case 'webinar':
      return 'webinar';
    case 'events':
      return 'event';
    case 'content_syndication':
      return 'content_download';
    case 'referral':
    case 'partner':
      return 'page_view';
  }
}

function metadataFor(type: TouchpointType, rng: Rng, form?: string): string {
  if (type === 'form_fill') return JSON.stringify({ form: form ?? 'content' });
  if (type === 'content_download') return JSON.stringify({ asset: pick(rng, CONTENT_ASSETS) });
  return '{}';
}

/**
 * Makes a touch in a channel at a moment, linked to a campaign running then. Webinar and
 * event touches move to when the session took place; null when that is not before the
 * reference day.
 */
function makeTouch(
  plan: CompanyPlan,
  rng: Rng,
  channel: Channel,
  type: TouchpointType,
  at: number,
  index: ChannelDayIndex,
  form?: string,
): GeneratedTouch | null {
  const campaign = campaignAt(plan, index, channel, at, rng);
  let when = at;
  if ((type === 'webinar' || type === 'event') && campaign !== null) {
    const eventMs = plan.campaigns[campaign]!.eventMs;
    if (eventMs !== null) when = Math.max(at, eventMs + (type === 'event' ? Math.floor(rng() * 2 * DAY) : 0));
  }
  if (when >= plan.todayMs) return null;
  return {
    type,
    at: when,
    channel,
    campaign,
    utm: utmFor(plan, channel, campaign, rng),
    metadata: metadataFor(type, rng, form),
  };
}

const STATUS_BY_STAGE: Record<LifecycleStage, string> = {
  subscriber: 'nurturing',
  lead: 'new',
  mql: 'new',
  sal: 'working',
  sql: 'qualified',
  opportunity: 'in_opportunity',
  customer: 'customer',
  recycled: 'nurturing',
  disqualified: 'unqualified',
};

function rejectionReason(rng: Rng, individual: boolean, source: string, failing: boolean): RejectionReason {
  if (individual && chance(rng, 0.6)) return 'student_or_job_seeker';
  if (failing && chance(rng, 0.5)) return 'not_ideal_customer';
  if ((source === 'content_syndication' || source === 'paid_social') && chance(rng, 0.3))
    return 'not_ideal_customer';
  return pick(rng, [
    'bad_contact_data',
    'not_ideal_customer',
    'no_budget',
    'no_budget',
    'no_need',
    'no_need',
    'duplicate',
    'competitor',
    'other',
  ] as const);
}

function generateLead(
  plan: CompanyPlan,
  rng: Rng,
  company: CompanyContext | null,
  country: (typeof COUNTRIES)[number],
  region: Region,
  number: number,
): LeadDraft {
  const today = plan.todayMs;
  const individual = company === null;
  const persona = individual
    ? INDIVIDUAL_PERSONAS[pickCumulative(rng, INDIVIDUAL_TOTALS)]!
    : PERSONAS[pickCumulative(rng, PERSONA_TOTALS)]!;
  const segment = company?.segment ?? null;
  let createdAt = sampleCreatedAt(rng, plan.historyStartMs, today, country.utcOffset);
  const outbound = !individual && rng() < OUTBOUND_SHARE;
  let source: Channel | typeof OUTBOUND_SOURCE = outbound
    ? OUTBOUND_SOURCE
    : CHANNELS[pickCumulative(rng, SOURCE_TOTALS[segment ?? 'individual'])]!;
  const history = new StageHistory();
  const touches: GeneratedTouch[] = [];
  const activities: GeneratedActivity[] = [];
  let owner: number | null = null;
  let assignedAt: number | null = null;
  let sourceDetail: string | null = null;
  let failing = false;
  let instantMql = false;
  const feedback: GeneratedFeedback[] = [];
  const assignments: GeneratedAssignment[] = [];
  const insights: GeneratedInsight[] = [];
  let lastRejection: RejectionReason | null = null;
  /** A rep sends a handed-off lead (mql or sal) back to marketing with a reason code; the owner is cleared. */
  const reject = (
    at: number,
    sdr: number,
    code: RejectionReason,
    outcome: 'recycled' | 'disqualified',
    handoffAt: number,
  ): number => {
    const note = code === 'other' ? pick(rng, OTHER_REJECTION_NOTES) : null;
    const movedAt = history.move(
      outcome,
      at,
      sdr,
      'api',
      `rejected by sales: ${REJECTION_REASONS[code]}${note ? ` (${note})` : ''}`,
    );
    feedback.push({
      decision: 'rejected',
      reasonCode: code,
      note,
      outcome,
      handoffAt,
      owner: sdr,
      decidedAt: movedAt,
    });
    lastRejection = code;
    owner = null;
    return movedAt;
  };

  if (source !== OUTBOUND_SOURCE) {
    // Events and webinars happen on their day; a lead from an event arrives when the booth scans the badge.
    let creation: GeneratedTouch | null = null;
    for (let attempt = 0; attempt < 2 && creation === null; attempt++) {
      const channel: Channel = source as Channel;
      let type: TouchpointType = 'form_fill';
      let form = 'content';
      switch (channel) {
        case 'paid_search':
        case 'paid_social':
          if (rng() < 0.4) type = 'content_download';
          else form = rng() < 0.2 ? 'demo_request' : 'content';
          break;
        case 'organic_search': {
          const u = rng();
          if (u < 0.4) type = 'content_download';
          else if (u < 0.55) type = 'chat';
          else form = rng() < 0.3 ? 'newsletter' : rng() < 0.25 ? 'demo_request' : 'content';
          break;
        }
        case 'direct':
          if (rng() < 0.35) type = 'chat';
          else form = rng() < 0.35 ? 'contact_sales' : rng() < 0.3 ? 'newsletter' : 'content';
          break;
        case 'email':
          form = rng() < 0.4 ? 'newsletter' : 'content';
          break;
        case 'webinar':
          form = 'webinar_registration';
          break;
        case 'events':
          type = 'event';
          break;
        case 'content_syndication':
          type = 'content_download';
          break;
        case 'referral':
          form = 'referral';
          break;
        case 'partner':
          form = 'partner_referral';
          break;
      }
      const touch = makeTouch(plan, rng, channel, type, createdAt, plan.sourceIndex, form);
      if (touch && touch.type === 'event') createdAt = touch.at;
      if (touch) {
        creation = touch;
        instantMql = form === 'demo_request' || form === 'contact_sales';
        if (form === 'newsletter') sourceDetail = 'newsletter signup';
      } else {
        source = 'paid_search';
      }
    }
    if (!creation) throw new Error('demo: no creation touch');
    const sourceChannel = source as Channel;
    failing = creation.campaign !== null && plan.campaigns[creation.campaign]!.failing;
    // Anonymous visits before the conversion, on web channels only; the earliest is in the source channel.
    if (CHANNEL_PROFILES[sourceChannel].web && !failing) {
      const visits = pick(rng, [0, 0, 0, 1, 1, 2, 2, 3, 4]);
      const moments = Array.from(
        { length: visits },
        () => createdAt - Math.floor(uniform(rng, 0.02, PRE_CONVERSION_WINDOW_DAYS) * DAY),
      ).sort((a, b) => a - b);
      moments.forEach((moment, position) => {
        const channel = position === 0 ? sourceChannel : pick(rng, WEB_CHANNELS);
        const type: TouchpointType =
          (channel === 'paid_search' || channel === 'paid_social') && (position === 0 || rng() < 0.5)
            ? 'ad_click'
            : 'page_view';
        const touch = makeTouch(plan, rng, channel, type, moment, plan.touchIndex);
        if (touch) touches.push(touch);
      });
      if (visits > 0 && rng() < 0.45) {
        const channel: Channel = pick(rng, ['direct', 'organic_search']);
        creation = {
          ...creation,
          channel,
          campaign: campaignAt(plan, plan.touchIndex, channel, createdAt, rng),
          utm: null,
        };
      }
    }
    if (creation.type === 'event' && creation.campaign !== null)
      sourceDetail = plan.campaigns[creation.campaign]!.name;
    touches.push({ ...creation, at: createdAt });
    const subscriber = sourceDetail === 'newsletter signup';
    const origin: EventOrigin = source === 'events' || source === 'content_syndication' ? 'import' : 'form';
    history.move(
      subscriber ? 'subscriber' : 'lead',
      createdAt,
      null,
      origin,
      subscriber ? 'newsletter signup' : 'created',
    );
  } else {
    sourceDetail = rng() < 0.8 ? 'SDR prospecting' : 'AE prospecting';
    owner = availableSdr(plan, rng, createdAt);
    assignedAt = createdAt;
    assignments.push({
      user: owner,
      previousOwner: null,
      team: null,
      ruleName: null,
      reason: 'prospected by the owner',
      assignedAt: createdAt,
    });
    history.move('lead', createdAt, owner, 'api', 'created');
  }

  const engagement = logNormal(rng, 1, 0.6) * Math.sqrt(persona.propensity);
  const fitScore = Math.max(
    0,
    persona.fit +
      (company
        ? ({ SMB: 8, 'Mid-Market': 15, Enterprise: 20 } as const)[company.segment] + company.industryFit
        : -10),
  );
  const fitFactor = clamp(0.55 + fitScore / 60, 0.3, 1.6);

  // Engagement after the lead is known: nurture emails, visits, webinars, content.
  const postTouches = poisson(
    rng,
    (source === OUTBOUND_SOURCE ? 4.5 : 9.4) * engagement * (plan.size.journeyDensity ?? 1),
  );
  const activeSpan = Math.round(logNormal(rng, 120 * DAY, 0.7));
  for (let i = 0; i < postTouches; i++) {
    const at = createdAt + Math.floor(rng() * activeSpan) + MINUTE;
    if (at >= today) continue;
    const channel = ENGAGEMENT_CHANNELS[pickCumulative(rng, ENGAGEMENT_TOTALS)]!.channel;
    const touch = makeTouch(plan, rng, channel, touchTypeFor(channel, rng), at, plan.touchIndex);
    if (touch) touches.push(touch);
  }

  const opportunities: GeneratedOpportunity[] = [];
  const addActivity = (
    type: ActivityType,
    outcome: string | null,
    at: number,
    actor: number,
    notes: string | null = null,
  ) => {
    if (at < today) activities.push({ type, outcome, notes, at: Math.floor(at), actor });
  };
  const attempt = (at: number, actor: number) => {
    if (rng() < 0.55)
      addActivity(
        'call',
        pick(rng, ['connected', 'left_voicemail', 'left_voicemail', 'no_answer']),
        at,
        actor,
      );
    else addActivity('email', 'sent', at, actor);
  };
  const channelProfile = source === OUTBOUND_SOURCE ? null : CHANNEL_PROFILES[source as Channel];
  const winFactor = channelProfile?.winFactor ?? 0.9;

  /** SAL -> SQL -> opportunity, shared by inbound and outbound leads. Returns the moment the lead left the funnel, if it did. */
  const progressFromSal = (
    salAt: number,
    sdr: number,
    speedBonus: number,
    handoffAt: number,
  ): number | null => {
    const segmentFactor = segment === 'Enterprise' ? 1.1 : segment === 'SMB' ? 0.95 : 1;
    const sqlProbability = clamp(0.56 * segmentFactor * fitFactor * speedBonus * (failing ? 0 : 1), 0, 0.9);
    if (!chance(rng, sqlProbability)) {
      const exitAt = salAt + logNormal(rng, 18 * DAY, 0.8);
      const followUpAt = salAt + logNormal(rng, 3 * DAY, 0.6);
      if (followUpAt < exitAt) addActivity('call', 'no_answer', followUpAt, sdr);
      if (exitAt >= today) return null;
      const disqualify = rng() < 0.35;
      const code: RejectionReason = disqualify
        ? pick(rng, ['no_budget', 'no_need', 'not_ideal_customer'] as const)
        : pick(rng, ['other', 'no_need', 'no_budget'] as const);
      return reject(exitAt, sdr, code, disqualify ? 'disqualified' : 'recycled', handoffAt);
    }
    const meetingAt = salAt + logNormal(rng, 6 * DAY, 0.8);
    const sqlAt = meetingAt + logNormal(rng, 1 * DAY, 0.6);
    if (sqlAt >= today) {
      addActivity('meeting', 'held', meetingAt, sdr, 'Discovery meeting');
      return null;
    }
    addActivity('meeting', 'held', meetingAt, sdr, 'Discovery meeting');
    if (chance(rng, 0.35)) {
      insights.push({
        type: 'need',
        competitor: null,
        body: pick(rng, INSIGHT_TEXTS.need),
        source: 'discovery meeting',
        at: Math.floor(meetingAt),
        author: sdr,
      });
    }
    history.move('sql', sqlAt, sdr, 'api', 'qualified in discovery');
    const oppAt = sqlAt + logNormal(rng, 5 * DAY, 0.7);
    if (!chance(rng, 0.68)) {
      const exitAt = sqlAt + logNormal(rng, 12 * DAY, 0.6);
      if (exitAt >= today) return null;
      return history.move(
        rng() < 0.6 ? 'recycled' : 'disqualified',
        exitAt,
        sdr,
        'api',
        pick(rng, ['no budget this year', 'timing', 'no need after discovery']),
      );
    }
    if (oppAt >= today || !company) return null;
    const ae = company.ae;
    const createdOpp = history.move('opportunity', oppAt, ae, 'api', 'opportunity created');
    const product = weightedIndex(rng, SEGMENT_PRODUCTS[company.segment]);
    const amount = Math.max(
      1000,
      Math.round(
        (plan.products[product]!.price * SEGMENT_AMOUNT[company.segment] * logNormal(rng, 1, 0.35)) / 100,
      ) * 100,
    );
    const segmentWin = company.segment === 'SMB' ? 1.1 : company.segment === 'Enterprise' ? 0.85 : 1;
    const opportunity = closeOpportunity(plan, rng, {
      name: `${company.name} – ${plan.products[product]!.name}`,
      primaryLead: 0,
      owner: ae,
      qualifier: sdr,
      product,
      amount,
      createdAt: createdOpp,
      cycle: Math.round(logNormal(rng, SEGMENT_CYCLE_DAYS[company.segment] * DAY, 0.5)),
      winProbability: 0.22 * winFactor * segmentWin * speedBonus * clamp(fitFactor, 0.8, 1.25),
      source: source as string,
      segment: company.segment,
    });
    opportunities.push(opportunity);
    if (opportunity.status === 'won') {
      history.move('customer', opportunity.closedAt!, ae, 'system', 'opportunity won');
      return null;
    }
    if (opportunity.status === 'lost' && rng() < 0.5) {
      const at = opportunity.closedAt! + logNormal(rng, 3 * DAY, 0.6);
      if (at < today) return history.move('recycled', at, ae, 'api', 'closed lost');
    }
    return null;
  };

  /** Handoff of an MQL: routing, sales response, accept or reject. Returns when it left the funnel, if it did. */
  const handoff = (mqlAt: number): number | null => {
    const sdr = availableSdr(plan, rng, mqlAt);
    const handedAt = mqlAt + randomInt(rng, 2, 90) * 1000;
    assignments.push({
      user: sdr,
      previousOwner: owner,
      team: 'sdr',
      ruleName: ROUND_ROBIN_RULE,
      reason: `rule "${ROUND_ROBIN_RULE}": round robin in team SDR Team`,
      assignedAt: handedAt,
    });
    owner = sdr;
    assignedAt = handedAt;
    lastRejection = null;
    const delay = sampleResponseDelay(rng);
    const respondedAt = delay === null ? null : assignedAt + delay;
    if (respondedAt === null || respondedAt >= today) {
      // Nobody followed up: the lead leaks; after a month the system recycles some of them.
      const recycleAt = assignedAt + 30 * DAY + Math.floor(rng() * 5 * DAY);
      if (respondedAt === null && recycleAt < today && rng() < 0.45) {
        return history.move('recycled', recycleAt, null, 'system', 'no sales activity within 30 days');
      }
      return null;
    }
    const hours = (respondedAt - assignedAt) / HOUR;
    const speed = hours <= 1 ? 1.25 : hours <= 24 ? 1 : 0.65;
    const acceptProbability = clamp(
      0.72 * speed * clamp(fitFactor, 0.5, 1.3) * (individual ? 0.3 : 1),
      0,
      0.95,
    );
    const accepted = chance(rng, acceptProbability);
    if (accepted) {
      const salAt = history.move(
        'sal',
        respondedAt - Math.floor(rng() * Math.min(20 * MINUTE, (respondedAt - handedAt) / 2)),
        sdr,
        'api',
        'accepted by sales',
      );
      feedback.push({
        decision: 'accepted',
        reasonCode: null,
        note: null,
        outcome: null,
        handoffAt: handedAt,
        owner: sdr,
        decidedAt: salAt,
      });
      attempt(respondedAt, sdr);
      const extra = randomInt(rng, 0, 2);
      for (let i = 1; i <= extra; i++) attempt(respondedAt + logNormal(rng, 1.5 * DAY, 0.6) * i, sdr);
      return progressFromSal(salAt, sdr, hours <= 1 ? 1.12 : hours <= 24 ? 1 : 0.9, handedAt);
    }
    attempt(respondedAt, sdr);
    if (chance(rng, 0.5)) attempt(respondedAt + logNormal(rng, 1.5 * DAY, 0.6), sdr);
    const rejectAt = respondedAt + logNormal(rng, 1 * DAY, 0.8);
    if (rejectAt >= today || chance(rng, 0.2)) return null;
    const reason = rejectionReason(rng, individual, source as string, failing);
    const disqualify =
      reason === 'student_or_job_seeker' || reason === 'duplicate' || reason === 'competitor' || rng() < 0.3;
    return reject(rejectAt, sdr, reason, disqualify ? 'disqualified' : 'recycled', handedAt);
  };

  if (source === OUTBOUND_SOURCE) {
    const sdr = owner!;
    const steps = randomInt(rng, 2, 6);
    let at = createdAt + randomInt(rng, 1, 30) * MINUTE;
    let connectedAt: number | null = null;
    for (let step = 0; step < steps && at < today; step++) {
      if (step > 0 && connectedAt === null && chance(rng, 0.3 * fitFactor)) {
        connectedAt = at;
        addActivity('call', 'connected', at, sdr);
        break;
      }
      attempt(at, sdr);
      at += logNormal(rng, 2.5 * DAY, 0.5);
    }
    if (connectedAt !== null && chance(rng, 0.85)) {
      const salAt = history.move('sal', connectedAt, sdr, 'api', 'accepted after prospecting call');
      progressFromSal(salAt, sdr, 1, salAt);
    } else if (at + DAY < today && rng() < 0.3) {
      history.move('recycled', at + DAY, sdr, 'api', 'no response after sequence');
    }
  } else {
    let leadAt = createdAt;
    if (history.current() === 'subscriber') {
      const convertAt = createdAt + logNormal(rng, 35 * DAY, 0.8);
      if (chance(rng, 0.45) && convertAt < today) {
        const touch = makeTouch(plan, rng, 'organic_search', 'content_download', convertAt, plan.touchIndex);
        if (touch) touches.push(touch);
        leadAt = history.move('lead', touch?.at ?? convertAt, null, 'form', 'converted from subscriber');
      }
    }
    if (history.current() === 'lead') {
      const mqlProbability = clamp(
        channelProfile!.mqlRate *
          fitFactor *
          (0.65 + 0.35 * engagement) *
          (failing ? 0.35 : 1) *
          (instantMql ? 3 : 1) *
          0.88,
        0,
        0.9,
      );
      let mqlAt: number | null = null;
      if (chance(rng, mqlProbability)) {
        if (instantMql) {
          mqlAt = leadAt + randomInt(rng, 1, 5) * MINUTE;
        } else {
          const trigger: Channel = pick(rng, ['direct', 'direct', 'organic_search', 'paid_search', 'email']);
          const at = leadAt + Math.max(HOUR, Math.round(logNormal(rng, 12 * DAY, 1)));
          if (at < today) {
            const form = pick(rng, ['demo_request', 'demo_request', 'contact_sales', 'pricing']);
            const type: TouchpointType = form === 'pricing' ? 'content_download' : 'form_fill';
            const touch = makeTouch(plan, rng, trigger, type, at, plan.touchIndex, form);
            if (touch) {
              touches.push(touch);
              mqlAt = touch.at + randomInt(rng, 1, 3) * MINUTE;
            }
          }
        }
      } else if (chance(rng, individual ? 0.3 : 0.06)) {
        const at = leadAt + logNormal(rng, 5 * DAY, 0.8);
        if (at < today) {
          const reason = individual
            ? 'student_or_job_seeker'
            : pick(rng, ['bad_contact_data', 'duplicate', 'competitor']);
          history.move('disqualified', at, plan.userIndex.get('marketing-ops') ?? null, 'api', reason);
        }
      }
      // A handoff, and for some recycled leads a second one when they come back.
      for (let cycle = 0; cycle < 2 && mqlAt !== null && mqlAt < today; cycle++) {
        const movedAt = history.move(
          'mql',
          mqlAt,
          null,
          'system',
          cycle === 0 ? 'score reached MQL threshold' : 're-engaged after recycling',
        );
        const exitAt = handoff(movedAt);
        mqlAt = null;
        if (exitAt !== null && history.current() === 'recycled' && chance(rng, 0.22)) {
          const at = exitAt + logNormal(rng, 75 * DAY, 0.6);
          if (at < today) {
            const touch = makeTouch(plan, rng, 'email', 'email_click', at, plan.touchIndex);
            if (touch) {
              touches.push(touch);
              mqlAt = touch.at + randomInt(rng, 1, 3) * MINUTE;
            }
          }
        }
      }
    }
  }

  touches.sort((a, b) => a.at - b.at);
  activities.sort((a, b) => a.at - b.at);
  const stage = history.current()!;
  const reachedSal = history.reached.sal !== undefined;
  const customFields: Record<string, string> = {};
  const knownProbability = reachedSal ? 0.8 : history.reached.mql !== undefined ? 0.35 : 0.05;
  for (const [field, values] of Object.entries(QUALIFICATION_VALUES)) {
    if (chance(rng, knownProbability)) customFields[field] = pick(rng, values);
  }
  const engagementPoints = engagementScore(touches, today);
  const first = touches[0];
  const last = touches[touches.length - 1];
  const numberText = String(number + 1).padStart(7, '0');
  const domain = company?.domain ?? pick(rng, FREE_MAIL_DOMAINS);
  const lead: GeneratedLead = {
    number,
    email: `contact.${numberText}@${domain}`,
    firstName: 'Contact',
    lastName: numberText,
    title: persona.title,
    phone:
      country.phonePrefix && rng() < 0.7
        ? `${country.phonePrefix}${String(number % 100).padStart(2, '0')}`
        : null,
    company: company?.name ?? null,
    country: country.code,
    region,
    industry: company?.industry ?? null,
    employees: company?.employees ?? null,
    source: source as string,
    sourceDetail,
    firstUtm: first?.utm ?? null,
    lastUtm: last?.utm ?? null,
    firstCampaign: first?.campaign ?? null,
    stage,
    leadStatus:
      stage === 'mql' && activities.length > 0
        ? 'attempting'
        : (stage === 'recycled' || stage === 'disqualified') && lastRejection !== null
          ? `rejected: ${lastRejection}`
          : STATUS_BY_STAGE[stage],
    temperature: temperatureFor(fitScore + engagementPoints),
    owner,
    assignedAt,
    fitScore,
    engagementScore: engagementPoints,
    customFields,
    createdAt,
    updatedAt: Math.max(history.lastAt, last?.at ?? 0, activities[activities.length - 1]?.at ?? 0),
    reached: history.reached,
    touchpoints: touches,
    events: history.events,
    activities,
    feedback,
    assignments,
    insights: insights.filter((insight) => insight.at < today),
  };
  return { lead, opportunities };
}

/** Streams the company's units: yields each with its position until the lead count is reached. */
export function* generateUnits(plan: CompanyPlan): Generator<GeneratedUnit> {
  let leads = 0;
  for (let unitIndex = 0; leads < plan.size.leads; unitIndex++) {
    const unit = generateUnit(plan, unitIndex, leads, plan.size.leads - leads);
    leads += unit.leads.length;
    yield unit;
  }
}
