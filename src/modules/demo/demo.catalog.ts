/**
 * The fixed vocabulary of the demo company: regions, industries, channels with their
 * economics, campaign themes, products, titles and reason codes. Nothing here names a
 * person; users are named by role and leads by number.
 */

export type Region = 'NA West' | 'NA East' | 'EMEA' | 'APAC' | 'LATAM';

export interface Country {
  code: string;
  /** 'NA' countries are split between NA West and NA East. */
  region: Region | 'NA';
  weight: number;
  /** Hours from UTC of the working day, for the time of day leads arrive. */
  utcOffset: number;
  phonePrefix: string | null;
}

export const COUNTRIES: readonly Country[] = [
  { code: 'US', region: 'NA', weight: 40, utcOffset: -6, phonePrefix: '+1-555-01' },
  { code: 'CA', region: 'NA', weight: 5, utcOffset: -5, phonePrefix: '+1-555-01' },
  { code: 'GB', region: 'EMEA', weight: 8, utcOffset: 0, phonePrefix: null },
  { code: 'DE', region: 'EMEA', weight: 7, utcOffset: 1, phonePrefix: null },
  { code: 'FR', region: 'EMEA', weight: 5, utcOffset: 1, phonePrefix: null },
  { code: 'NL', region: 'EMEA', weight: 3, utcOffset: 1, phonePrefix: null },
  { code: 'ES', region: 'EMEA', weight: 3, utcOffset: 1, phonePrefix: null },
  { code: 'SE', region: 'EMEA', weight: 2, utcOffset: 1, phonePrefix: null },
  { code: 'IE', region: 'EMEA', weight: 2, utcOffset: 0, phonePrefix: null },
  { code: 'AU', region: 'APAC', weight: 4, utcOffset: 10, phonePrefix: null },
  { code: 'IN', region: 'APAC', weight: 3, utcOffset: 5, phonePrefix: null },
  { code: 'SG', region: 'APAC', weight: 2, utcOffset: 8, phonePrefix: null },
  { code: 'JP', region: 'APAC', weight: 2, utcOffset: 9, phonePrefix: null },
  { code: 'NZ', region: 'APAC', weight: 1, utcOffset: 12, phonePrefix: null },
  { code: 'BR', region: 'LATAM', weight: 3, utcOffset: -3, phonePrefix: null },
  { code: 'MX', region: 'LATAM', weight: 2, utcOffset: -6, phonePrefix: null },
];

/** Account executive territories; each is a team with its own manager. */
export interface Territory {
  key: string;
  label: string;
  regions: readonly Region[];
}

export const TERRITORIES: readonly Territory[] = [
  { key: 'west', label: 'West', regions: ['NA West'] },
  { key: 'east', label: 'East', regions: ['NA East', 'LATAM'] },
  { key: 'emea', label: 'EMEA', regions: ['EMEA'] },
  { key: 'apac', label: 'APAC', regions: ['APAC'] },
];

export type Segment = 'SMB' | 'Mid-Market' | 'Enterprise';

export const SEGMENTS: readonly { segment: Segment; weight: number; employees: [number, number] }[] = [
  { segment: 'SMB', weight: 55, employees: [10, 199] },
  { segment: 'Mid-Market', weight: 33, employees: [200, 1999] },
  { segment: 'Enterprise', weight: 12, employees: [2000, 60000] },
];

export const INDUSTRIES: readonly { name: string; weight: number; fit: number }[] = [
  { name: 'Software', weight: 18, fit: 12 },
  { name: 'Financial Services', weight: 11, fit: 10 },
  { name: 'Healthcare', weight: 9, fit: 6 },
  { name: 'Manufacturing', weight: 10, fit: 6 },
  { name: 'Retail', weight: 8, fit: 5 },
  { name: 'Logistics', weight: 6, fit: 6 },
  { name: 'Professional Services', weight: 10, fit: 9 },
  { name: 'Media', weight: 5, fit: 5 },
  { name: 'Telecommunications', weight: 5, fit: 7 },
  { name: 'Education', weight: 6, fit: 2 },
  { name: 'Energy', weight: 4, fit: 4 },
  { name: 'Public Sector', weight: 3, fit: 1 },
];

/** Word lists for company names; combined they give tens of thousands of distinct names. */
export const COMPANY_WORDS_A: readonly string[] = [
  'Apex',
  'Blue',
  'Bright',
  'Cedar',
  'Clear',
  'Coastal',
  'Copper',
  'Crest',
  'Delta',
  'Ember',
  'Evergreen',
  'First',
  'Granite',
  'Harbor',
  'Horizon',
  'Iron',
  'Juniper',
  'Keystone',
  'Lakeside',
  'Lumen',
  'Maple',
  'Meridian',
  'Metro',
  'North',
  'Nova',
  'Oak',
  'Orbit',
  'Pacific',
  'Peak',
  'Pine',
  'Pioneer',
  'Prairie',
  'Quantum',
  'Red',
  'Ridge',
  'River',
  'Sierra',
  'Silver',
  'Solid',
  'Summit',
  'Sun',
  'Tidal',
  'True',
  'Union',
  'Valley',
  'Vector',
  'Vista',
  'West',
  'Willow',
  'Zenith',
];

export const COMPANY_WORDS_B: readonly string[] = [
  'Analytics',
  'Bio',
  'Capital',
  'Cloud',
  'Data',
  'Dynamics',
  'Energy',
  'Foods',
  'Freight',
  'Health',
  'Industries',
  'Insights',
  'Labs',
  'Learning',
  'Logistics',
  'Media',
  'Medical',
  'Metrics',
  'Networks',
  'Payments',
  'Robotics',
  'Security',
  'Software',
  'Supply',
  'Systems',
  'Telecom',
  'Tools',
  'Trade',
  'Ventures',
  'Works',
];

export const COMPANY_SUFFIXES: readonly string[] = [
  'Inc',
  'Group',
  'Co',
  'Partners',
  'Holdings',
  'Solutions',
  'Technologies',
  'International',
  'Corp',
  'Ltd',
];

export const FREE_MAIL_DOMAINS: readonly string[] = ['mail.example', 'inbox.example', 'webmail.example'];

export interface Persona {
  title: string;
  /** Fit points for seniority and buying role. */
  fit: number;
  weight: number;
  /** How readily the persona converts (1 = average). */
  propensity: number;
}

export const PERSONAS: readonly Persona[] = [
  { title: 'Chief Revenue Officer', fit: 25, weight: 2, propensity: 1.2 },
  { title: 'Chief Marketing Officer', fit: 25, weight: 2, propensity: 1.15 },
  { title: 'VP Sales', fit: 22, weight: 4, propensity: 1.2 },
  { title: 'VP Marketing', fit: 22, weight: 4, propensity: 1.2 },
  { title: 'Head of Revenue Operations', fit: 20, weight: 4, propensity: 1.3 },
  { title: 'Director of Demand Generation', fit: 16, weight: 6, propensity: 1.15 },
  { title: 'Director of Sales', fit: 16, weight: 6, propensity: 1.1 },
  { title: 'Marketing Operations Manager', fit: 12, weight: 9, propensity: 1.05 },
  { title: 'Sales Operations Manager', fit: 12, weight: 8, propensity: 1.05 },
  { title: 'Marketing Manager', fit: 9, weight: 14, propensity: 0.95 },
  { title: 'Sales Manager', fit: 9, weight: 10, propensity: 0.95 },
  { title: 'IT Director', fit: 8, weight: 4, propensity: 0.8 },
  { title: 'Chief Financial Officer', fit: 14, weight: 2, propensity: 0.85 },
  { title: 'Business Analyst', fit: 4, weight: 10, propensity: 0.75 },
  { title: 'Marketing Specialist', fit: 4, weight: 12, propensity: 0.8 },
  { title: 'Account Manager', fit: 3, weight: 6, propensity: 0.7 },
];

/** People without a company account: students, job seekers, freelancers. */
export const INDIVIDUAL_PERSONAS: readonly Persona[] = [
  { title: 'Student', fit: 0, weight: 4, propensity: 0.2 },
  { title: 'Job seeker', fit: 0, weight: 2, propensity: 0.2 },
  { title: 'Freelance consultant', fit: 5, weight: 3, propensity: 0.6 },
  { title: 'Independent advisor', fit: 6, weight: 1, propensity: 0.6 },
];

export const CHANNELS = [
  'paid_search',
  'paid_social',
  'organic_search',
  'email',
  'webinar',
  'events',
  'content_syndication',
  'referral',
  'direct',
  'partner',
] as const;
export type Channel = (typeof CHANNELS)[number];

/** The source of leads that sales prospected themselves (sales-sourced, not a marketing channel). */
export const OUTBOUND_SOURCE = 'outbound';

export interface CampaignTheme {
  name: string;
  type: string;
}

export interface ChannelProfile {
  label: string;
  /** Share of inbound leads whose first touch is in this channel. */
  sourceShare: number;
  /** What a sourced lead costs here, in USD; sets each campaign's cost. */
  costPerLead: number;
  /** Base probability that a lead first touched here becomes an MQL. */
  mqlRate: number;
  /** Multiplier on the win rate of deals sourced here. */
  winFactor: number;
  cadence: 'quarter' | 'year' | 'month' | 'event' | 'none';
  themes: readonly CampaignTheme[];
  utmSources: readonly string[];
  utmMedium: string | null;
  /** Key of the marketing user who owns the channel's campaigns. */
  owner: string;
  /** A website channel: a visitor may browse anonymously before converting. */
  web: boolean;
  /** Campaigns here may be failures (cost, few leads, no pipeline). */
  failable: boolean;
}

export const CHANNEL_PROFILES: Record<Channel, ChannelProfile> = {
  paid_search: {
    label: 'Paid Search',
    sourceShare: 0.17,
    costPerLead: 140,
    mqlRate: 0.24,
    winFactor: 1,
    cadence: 'quarter',
    themes: [
      { name: 'Brand', type: 'ppc' },
      { name: 'Category terms', type: 'ppc' },
      { name: 'Competitor terms', type: 'ppc' },
      { name: 'Retargeting', type: 'ppc' },
      { name: 'Solution terms', type: 'ppc' },
      { name: 'Integrations terms', type: 'ppc' },
    ],
    utmSources: ['google', 'bing'],
    utmMedium: 'cpc',
    owner: 'demand-gen',
    web: true,
    failable: false,
  },
  paid_social: {
    label: 'Paid Social',
    sourceShare: 0.12,
    costPerLead: 95,
    mqlRate: 0.16,
    winFactor: 0.8,
    cadence: 'quarter',
    themes: [
      { name: 'LinkedIn ABM', type: 'paid_social' },
      { name: 'LinkedIn Lead Gen Forms', type: 'paid_social' },
      { name: 'LinkedIn Thought Leadership', type: 'paid_social' },
      { name: 'Meta Prospecting', type: 'paid_social' },
      { name: 'LinkedIn Retargeting', type: 'paid_social' },
      { name: 'Video Awareness', type: 'paid_social' },
    ],
    utmSources: ['linkedin', 'facebook'],
    utmMedium: 'paid_social',
    owner: 'demand-gen',
    web: true,
    failable: true,
  },
  organic_search: {
    label: 'Organic Search',
    sourceShare: 0.17,
    costPerLead: 30,
    mqlRate: 0.22,
    winFactor: 1,
    cadence: 'year',
    themes: [{ name: 'SEO and website content', type: 'seo' }],
    utmSources: [],
    utmMedium: null,
    owner: 'content-marketing',
    web: true,
    failable: false,
  },
  email: {
    label: 'Email',
    sourceShare: 0.04,
    costPerLead: 12,
    mqlRate: 0.27,
    winFactor: 1,
    cadence: 'quarter',
    themes: [
      { name: 'Newsletter', type: 'newsletter' },
      { name: 'Nurture product track', type: 'nurture' },
      { name: 'Nurture industry track', type: 'nurture' },
      { name: 'Product announcements', type: 'newsletter' },
      { name: 'Re-engagement', type: 'nurture' },
      { name: 'Event invitations', type: 'newsletter' },
    ],
    utmSources: ['newsletter', 'nurture'],
    utmMedium: 'email',
    owner: 'marketing-ops',
    web: false,
    failable: false,
  },
  webinar: {
    label: 'Webinar',
    sourceShare: 0.1,
    costPerLead: 110,
    mqlRate: 0.3,
    winFactor: 1.05,
    cadence: 'month',
    themes: [
      { name: 'Pipeline Forecasting Basics', type: 'webinar' },
      { name: 'An SLA Between Sales and Marketing', type: 'webinar' },
      { name: 'Attribution Without the Guesswork', type: 'webinar' },
      { name: 'Lead Scoring That Sales Trusts', type: 'webinar' },
      { name: 'Running a Revenue Planning Cycle', type: 'webinar' },
      { name: 'Benchmarking Your Funnel', type: 'webinar' },
      { name: 'From MQL to Closed-Won', type: 'webinar' },
      { name: 'Account-Based Marketing in Practice', type: 'webinar' },
      { name: 'Content That Helps Sales Close', type: 'webinar' },
      { name: 'The Speed-to-Lead Playbook', type: 'webinar' },
      { name: 'Win/Loss Reviews That Work', type: 'webinar' },
      { name: 'Quarterly Business Reviews', type: 'webinar' },
    ],
    utmSources: ['website', 'newsletter', 'linkedin'],
    utmMedium: 'webinar',
    owner: 'content-marketing',
    web: false,
    failable: false,
  },
  events: {
    label: 'Events',
    sourceShare: 0.07,
    costPerLead: 380,
    mqlRate: 0.28,
    winFactor: 1.15,
    cadence: 'event',
    themes: [
      { name: 'Trade Show', type: 'trade_show' },
      { name: 'Field Event', type: 'field_event' },
      { name: 'Executive Roundtable', type: 'roundtable' },
    ],
    utmSources: ['event'],
    utmMedium: 'event',
    owner: 'field-marketing',
    web: false,
    failable: true,
  },
  content_syndication: {
    label: 'Content Syndication',
    sourceShare: 0.09,
    costPerLead: 55,
    mqlRate: 0.15,
    winFactor: 0.75,
    cadence: 'quarter',
    themes: [
      { name: "Buyer's Guide", type: 'content_syndication' },
      { name: 'Benchmark Report', type: 'content_syndication' },
      { name: 'ROI Calculator', type: 'content_syndication' },
      { name: 'State of Revenue Operations', type: 'content_syndication' },
      { name: 'Playbook Series', type: 'content_syndication' },
      { name: 'Analyst Brief', type: 'content_syndication' },
    ],
    utmSources: ['syndication-network'],
    utmMedium: 'content_syndication',
    owner: 'content-marketing',
    web: false,
    failable: true,
  },
  referral: {
    label: 'Referral',
    sourceShare: 0.05,
    costPerLead: 60,
    mqlRate: 0.38,
    winFactor: 1.45,
    cadence: 'year',
    themes: [{ name: 'Customer Referral Program', type: 'referral_program' }],
    utmSources: ['customer-referral'],
    utmMedium: 'referral',
    owner: 'partner-marketing',
    web: true,
    failable: false,
  },
  direct: {
    label: 'Direct',
    sourceShare: 0.09,
    costPerLead: 0,
    mqlRate: 0.26,
    winFactor: 1.1,
    cadence: 'none',
    themes: [],
    utmSources: [],
    utmMedium: null,
    owner: 'marketing-ops',
    web: true,
    failable: false,
  },
  partner: {
    label: 'Partner',
    sourceShare: 0.05,
    costPerLead: 160,
    mqlRate: 0.32,
    winFactor: 1.3,
    cadence: 'quarter',
    themes: [
      { name: 'Integration Partners', type: 'partner_co_marketing' },
      { name: 'Agency Partners', type: 'partner_co_marketing' },
      { name: 'Reseller Program', type: 'partner_co_marketing' },
      { name: 'Technology Alliance', type: 'partner_co_marketing' },
      { name: 'Consulting Partners', type: 'partner_co_marketing' },
      { name: 'Marketplace Listing', type: 'partner_co_marketing' },
    ],
    utmSources: ['partner-portal'],
    utmMedium: 'partner',
    owner: 'partner-marketing',
    web: false,
    failable: true,
  },
};

export const EVENT_CITIES: readonly string[] = [
  'Chicago',
  'London',
  'Berlin',
  'Singapore',
  'Sydney',
  'Toronto',
  'Austin',
  'Paris',
  'Amsterdam',
  'Tokyo',
  'New York',
  'Denver',
  'Dublin',
  'Stockholm',
  'Madrid',
  'Boston',
  'Seattle',
  'Munich',
  'Mumbai',
  'Atlanta',
];

export const EVENT_NAMES: Record<string, readonly string[]> = {
  'Trade Show': [
    'Revenue Operations Summit',
    'B2B Marketing Forum',
    'Sales Leadership Conference',
    'SaaS Growth Expo',
  ],
  'Field Event': ['Pipeline Breakfast', 'Customer Meetup', 'Revenue Workshop', 'Marketing Leaders Lunch'],
  'Executive Roundtable': [
    'CRO Roundtable',
    'CMO Roundtable',
    'Revenue Leaders Dinner',
    'Go-to-Market Roundtable',
  ],
};

export const PAID_SEARCH_TERMS: readonly string[] = [
  'lead routing software',
  'marketing attribution tool',
  'sales marketing alignment',
  'speed to lead',
  'lead scoring software',
  'revenue planning tool',
  'pipeline forecasting',
  'funnel analytics',
  'mql sql handoff',
  'b2b attribution',
];

export const CONTENT_ASSETS: readonly string[] = [
  'Revenue Planning Workbook',
  'Attribution Models Explained',
  'Lead Scoring Template',
  'Sales and Marketing SLA Template',
  'Funnel Benchmark Report',
  'Buyer Journey Map',
  'Pricing Guide',
  'Customer Case Study: Logistics',
  'Customer Case Study: Software',
  'Integration Overview',
];

export interface ProductSpec {
  key: string;
  name: string;
  series: string;
  price: number;
}

export const PRODUCTS: readonly ProductSpec[] = [
  { key: 'starter', name: 'Platform Starter', series: 'Platform', price: 12_000 },
  { key: 'growth', name: 'Platform Growth', series: 'Platform', price: 36_000 },
  { key: 'enterprise', name: 'Platform Enterprise', series: 'Platform', price: 120_000 },
  { key: 'analytics', name: 'Analytics Add-on', series: 'Add-on', price: 18_000 },
  { key: 'integrations', name: 'Integration Pack', series: 'Add-on', price: 9_000 },
  { key: 'support', name: 'Premium Support', series: 'Services', price: 15_000 },
];

/** Competitors by category, so win/loss by competitor reads sensibly without naming real firms. */
export const COMPETITORS: readonly string[] = [
  'Legacy CRM suite',
  'Marketing automation bundle',
  'Point solution vendor',
  'Low-cost challenger',
  'In-house spreadsheets',
];

export const WIN_REASONS: readonly string[] = [
  'product fit',
  'speed to value',
  'integrations',
  'price',
  'relationship',
  'reporting depth',
];

export const LOSS_REASONS: readonly string[] = [
  'price',
  'no decision',
  'timing',
  'missing feature',
  'budget cut',
  'went silent',
];
export const LOST_TO_COMPETITOR = 'lost to competitor';

/**
 * Reason codes a rep gives when rejecting a handed-off lead, with their labels: the list
 * every workspace starts with (the feedback area's rejection_reasons).
 */
export const REJECTION_REASONS = {
  bad_contact_data: 'Bad contact data',
  not_ideal_customer: 'Not our ideal customer',
  no_budget: 'No budget',
  student_or_job_seeker: 'Student or job seeker',
  competitor: 'Competitor',
  duplicate: 'Duplicate',
  no_need: 'No need',
  other: 'Other',
} as const;
export type RejectionReason = keyof typeof REJECTION_REASONS;

/** Notes reps give with the reason "other" (it requires one). */
export const OTHER_REJECTION_NOTES: readonly string[] = [
  'timing: revisit next quarter',
  'already building this in-house',
  'outside our sales territories',
];

export const INSIGHT_TEXTS = {
  need: [
    'Needs one view of pipeline for sales and marketing',
    'Needs faster lead routing to reps',
    'Needs attribution the CFO trusts',
    'Needs a revenue plan worked back into lead volumes',
    'Needs follow-up SLAs enforced',
  ],
  objection: [
    'Concerned about the implementation effort',
    'Security review required before signing',
    'Prefers annual billing in arrears',
    'Worried about adoption by the sales team',
  ],
  feature_request: [
    'Asked for a two-way CRM sync',
    'Asked for a custom report builder',
    'Asked for single sign-on',
    'Asked for territory planning by region',
  ],
  pricing_feedback: [
    'Price above the budget approved',
    'Asked for a multi-year discount',
    'Per-seat pricing is hard to forecast',
  ],
} as const;

export const QUALIFICATION_VALUES = {
  budget: ['under 25k', '25k-100k', '100k-250k', 'over 250k'],
  authority: ['decision maker', 'influencer', 'evaluator', 'user'],
  need: ['pipeline visibility', 'lead routing', 'attribution', 'planning', 'sla enforcement'],
  timeline: ['this quarter', 'next quarter', 'this year', 'exploring'],
} as const;
