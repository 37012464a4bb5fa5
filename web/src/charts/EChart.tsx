import { useEffect, useRef } from 'react';
import { CHART_COLORS, CHART_FONT, type ChartOption, type ECElementEvent, echarts } from './echarts.ts';

/** One ECharts instance, resized with its box and disposed with the component. */
export function EChart({
  option,
  label,
  height = 320,
  onItemClick,
}: {
  option: ChartOption;
  /** What the chart shows, for screen readers (the table view has the figures). */
  label: string;
  height?: number;
  onItemClick?: (event: ECElementEvent) => void;
}) {
  const element = useRef<HTMLDivElement>(null);
  const chart = useRef<ReturnType<typeof echarts.init> | null>(null);
  const clickHandler = useRef(onItemClick);
  clickHandler.current = onItemClick;

  useEffect(() => {
    if (!element.current) return;
    const instance = echarts.init(element.current, null, { renderer: 'svg' });
    chart.current = instance;
    instance.on('click', (event) => clickHandler.current?.(event as ECElementEvent));
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(element.current);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(
      {
        color: CHART_COLORS,
        aria: { enabled: true, label: { description: label } },
        // Text is measured with this font; it must name real fonts, not 'inherit'.
        textStyle: { fontFamily: CHART_FONT },
        animationDuration: 300,
        ...option,
      },
      { notMerge: true },
    );
  }, [option, label]);

  return (
    <div
      ref={element}
      className={`echart${onItemClick ? ' echart-clickable' : ''}`}
      style={{ height }}
      role="img"
      aria-label={label}
    />
  );
}
