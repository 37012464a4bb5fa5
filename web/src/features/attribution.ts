import type { AttributionModel } from '../api/types.ts';

export const MODEL_LABELS: Record<AttributionModel, string> = {
  first_touch: 'First touch',
  last_touch: 'Last touch',
  linear: 'Linear',
  u_shaped: 'U-shaped',
  w_shaped: 'W-shaped',
  full_path: 'Full path',
  time_decay: 'Time decay',
  markov: 'Markov',
};

export const MODEL_RULES: Record<AttributionModel, string> = {
  first_touch: 'All credit to the first touch.',
  last_touch: 'All credit to the last touch before the conversion.',
  linear: 'An equal share to every touch.',
  u_shaped: '40% first touch, 40% the lead-creation touch, 20% spread over the rest.',
  w_shaped: '30% first, 30% lead creation, 30% opportunity creation, 10% the rest.',
  full_path:
    '22.5% each to first, lead creation, opportunity creation and the last touch before close; 10% the rest.',
  time_decay: 'Touches closer to the conversion count more; a touch halves in weight every half-life.',
  markov:
    'Data-driven: each channel’s removal effect in a Markov chain over all journeys, converting or not.',
};
