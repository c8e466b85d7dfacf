import { useEffect, useRef } from 'preact/hooks';

type ECharts = {
  init: (el: HTMLElement, theme?: unknown, opts?: { renderer?: 'canvas' | 'svg' }) => EChartsInstance;
};
type EChartsInstance = {
  setOption: (o: unknown, notMerge?: boolean) => void;
  on: (event: string, handler: (p: { data?: unknown; name?: string; dataType?: string }) => void) => void;
  resize: () => void;
  dispose: () => void;
};

let loading: Promise<ECharts> | null = null;

/**
 * Apache ECharts, loaded from /web/vendor when the first chart appears (it is a megabyte: pages
 * without a chart do not wait for it).
 */
export function loadECharts(): Promise<ECharts> {
  const w = window as unknown as { echarts?: ECharts };
  if (w.echarts) return Promise.resolve(w.echarts);
  loading ??= new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = '/web/vendor/echarts.min.js';
    s.onload = () => resolve((window as unknown as { echarts: ECharts }).echarts);
    s.onerror = () => reject(new Error('图表组件加载失败'));
    document.head.appendChild(s);
  });
  return loading;
}

/**
 * One ECharts chart. `label` is what a screen reader hears; the same figures are always in a table
 * on the page too. Rendered as SVG so a printout is sharp.
 */
export function Chart({ option, label, onClick, height, testId }: { option: unknown; label: string; onClick?: (p: { data?: unknown; name?: string; dataType?: string }) => void; height?: number; testId?: string }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsInstance | null>(null);
  const click = useRef(onClick);
  click.current = onClick;
  useEffect(() => {
    let live = true;
    const onResize = () => chart.current?.resize();
    loadECharts().then((echarts) => {
      if (!live || !el.current) return;
      chart.current = echarts.init(el.current, undefined, { renderer: 'svg' });
      chart.current.on('click', (p) => click.current?.(p));
      chart.current.setOption(option, true);
      el.current.dataset.rendered = 'true';
    });
    addEventListener('resize', onResize);
    return () => {
      live = false;
      removeEventListener('resize', onResize);
      chart.current?.dispose();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption(option, true);
  }, [option]);
  return <div ref={el} class="chart" role="img" aria-label={label} data-testid={testId} style={height ? { height: `${height}px` } : undefined} />;
}
