import { randomUUID } from 'node:crypto';
import { scratchLayout } from '../model/define-read-model';
import { projectionSpec } from '../testing/projection-spec';
import { EventSequence, GivenEvent } from '../testing/recorded-events';
import { planBatch } from './apply-batch';
import { ReadingData, sampleModel } from '../testing/sample-model.fixture';

// Regression: a merged batch read its values back through JSON.stringify while a statement alone sent them
// through pg's parameters, so the same events wrote different rows merged and alone — undefined became
// NULL instead of the default (or erased the column on an update), a Buffer was stored as its JSON, a Date
// in a `timestamp` column was local time alone and UTC merged, and a bigint threw outside the event's
// handling (the runner entered its reconnect loop instead of halting on the event). Each spec below applies
// its events merged and one per batch (projectionSpec) and compares both with the rows expected.
describe('values a handler writes, merged and alone alike', () => {
  const model = sampleModel();
  const spec = projectionSpec(model);
  const taken = (data: Omit<ReadingData, 'readingId'> & { readingId?: string }): GivenEvent => ({
    type: 'ReadingTaken',
    data: { readingId: randomUUID(), ...data },
  });
  const idOf = (event: { data: object }) => (event.data as ReadingData).readingId;

  it('sends alone exactly the values it merges: text for a Date (ISO 8601 in UTC), a Buffer, a bigint, an array', () => {
    // pg would write a Date in the process's time zone, which a `timestamp` column keeps as it is; so the
    // row writer hands pg text only. (Run this file with TZ=America/New_York to see the rows agree too.)
    const event = new EventSequence().record(
      taken({
        raw: '00ff',
        counter: '12',
        takenAt: '2026-11-29T05:00:00.000Z',
        tags: ['a', 'b c'],
        labels: { n: 1 },
      }),
    );
    const [step] = planBatch(model, scratchLayout('anywhere'), [event], 'halt').planned[0].steps;
    expect(step.change!.values).toEqual({
      id: idOf(event),
      raw: '\\x00ff',
      counter: '12',
      taken_at: '2026-11-29T05:00:00.000Z',
      tags: '{"a","b c"}',
      labels: '{"n":1}',
    });
    expect(step.query.parameters).toEqual(Object.values(step.change!.values));
  });

  it('leaves a column given undefined to its default on an insert, and as it is on an update', () => {
    const [first, second] = [taken({}), taken({ note: 'kept' })];
    const third = taken({ note: 'kept too' });
    return spec
      .given(
        first,
        second,
        third,
        {
          type: 'ReadingCorrected',
          data: { readingId: idOf(second), counter: '7', note: undefined },
        },
        { type: 'ReadingCorrected', data: { readingId: idOf(third), counter: '8' } },
      )
      .then({
        readings: [
          { id: idOf(first), note: 'none', counter: null },
          { id: idOf(second), note: 'kept', counter: 7 },
          { id: idOf(third), note: 'kept too', counter: 8 },
        ],
      });
  });

  it('writes a Buffer as its bytes, a bigint as its digits, and an array as the array', () => {
    const [first, second] = [
      taken({ raw: '00ff10', counter: '1234567890123', tags: ['a', 'b c', 'd"e', 'f\\g', "h'i"] }),
      taken({ raw: '', counter: '-9', tags: [] }),
    ];
    return spec.given(first, second).then({
      readings: [
        {
          id: idOf(first),
          raw: '\\x00ff10',
          counter: 1234567890123,
          tags: ['a', 'b c', 'd"e', 'f\\g', "h'i"],
        },
        { id: idOf(second), raw: '\\x', counter: -9, tags: [] },
      ],
    });
  });

  it('writes a Date into a timestamp column as UTC', () => {
    const [first, second] = [
      taken({ takenAt: '2026-11-29T05:00:00.000Z' }),
      taken({ takenAt: '2026-07-01T23:30:00.250Z' }),
    ];
    return spec.given(first, second).then({
      readings: [
        { id: idOf(first), taken_at: '2026-11-29T05:00:00' },
        { id: idOf(second), taken_at: '2026-07-01T23:30:00.25' },
      ],
    });
  });

  it('writes any JSON into a jsonb column as that JSON, a string or an array included', () => {
    const values = [{ pager: true, levels: [1, 2] }, ['x', 1, null], 'plain', 42];
    const events = values.map((labels) => taken({ labels }));
    return spec.given(...events).then({
      readings: events.map((event, index) => ({ id: idOf(event), labels: values[index] })),
    });
  });

  it('fails the event whose value cannot be written (a bigint inside JSON), naming it', () =>
    spec
      .given(taken({ labels: { n: 1 } }), taken({ labels: { n: 10n } as unknown }))
      .thenFails(
        /^cannot apply event ReadingTaken .*readings\.labels: Do not know how to serialize a BigInt/,
      ));
});
