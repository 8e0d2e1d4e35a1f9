import { Counter, Gauge, Histogram, MetricsRegistry } from './metrics';

describe('metrics exposition', () => {
  it('renders counters, gauges and histograms with labels, in Prometheus text format', () => {
    const registry = new MetricsRegistry();
    const commands = registry.register(new Counter('x_commands_total', 'Commands.'));
    registry.register(new Gauge('x_in_flight', 'In flight.', () => [{ value: 2 }]));
    const latency = registry.register(new Histogram('x_seconds', 'Latency.', [0.01, 0.1]));
    commands.inc({ command: 'A', outcome: 'ok' });
    commands.inc({ command: 'A', outcome: 'ok' });
    commands.inc({ command: 'A', outcome: 'EMAIL_TAKEN' });
    latency.observe(0.05, { command: 'A' });
    latency.observe(0.5, { command: 'A' });
    const text = registry.render();
    expect(text).toContain('# TYPE x_commands_total counter');
    expect(text).toContain('x_commands_total{command="A",outcome="ok"} 2');
    expect(text).toContain('x_commands_total{command="A",outcome="EMAIL_TAKEN"} 1');
    expect(text).toContain('x_in_flight 2');
    expect(text).toContain('x_seconds_bucket{command="A",le="0.01"} 0');
    expect(text).toContain('x_seconds_bucket{command="A",le="0.1"} 1');
    expect(text).toContain('x_seconds_bucket{command="A",le="+Inf"} 2');
    expect(text).toContain('x_seconds_count{command="A"} 2');
    expect(() => registry.register(new Counter('x_commands_total', 'again'))).toThrow(/twice/);
  });
});
