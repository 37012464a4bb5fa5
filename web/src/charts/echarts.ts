// Only the chart types and components the pages use are registered, which keeps the
// ECharts chunk a fraction of the full library.
import { BarChart, FunnelChart, LineChart } from 'echarts/charts';
import { AriaComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';

echarts.use([
  BarChart,
  LineChart,
  FunnelChart,
  AriaComponent,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  SVGRenderer,
]);

export type { ECElementEvent, EChartsCoreOption as ChartOption } from 'echarts/core';
export { echarts };

/** The palette, in the order series take it; matches the CSS variables. */
export const CHART_COLORS = [
  '#1f4ed8',
  '#0e9f6e',
  '#d97706',
  '#7c3aed',
  '#db2777',
  '#0891b2',
  '#65a30d',
  '#dc2626',
  '#475569',
];

export const CHART_FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
