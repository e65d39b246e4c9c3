// The console's DOM-free modules: finding a 400's field in pasted JSON, number formats, CSV.
import { describe, expect, it } from 'vitest';
import { gapText, num, objectiveText, toCsv } from '../console/src/format.js';
import { lineOf, locateField, parseFieldPath, syntaxErrorOffset } from '../console/src/json-locate.js';

const text = JSON.stringify(
  {
    model: { layers: 3 },
    devices: [
      { id: 'a', kappa: 1 },
      { id: 'b', kappa: 'x', channelGains: { 'es-1': 1e-9 } },
    ],
    colour: 'red',
  },
  null,
  2,
);
const at = (field: string) => {
  const s = locateField(text, field);
  return s && text.slice(s.start, s.end);
};

describe('locateField', () => {
  it("parses the service's path style", () => {
    expect(parseFieldPath('devices[1].channelGains.es-1')).toEqual(['devices', 1, 'channelGains', 'es-1']);
    expect(parseFieldPath('body')).toEqual([]);
  });

  it('selects the property a 400 names, as `"key": value`', () => {
    expect(at('devices[1].kappa')).toBe('"kappa": "x"');
    expect(at('devices[1].channelGains.es-1')).toBe('"es-1": 1e-9');
    expect(at('colour')).toBe('"colour": "red"');
    expect(at('model.layers')).toBe('"layers": 3');
  });

  it('an array element, and a missing property points at its parent object', () => {
    expect(JSON.parse(at('devices[0]')!)).toEqual({ id: 'a', kappa: 1 });
    expect(JSON.parse(at('devices[1].gpuCores')!)).toMatchObject({ id: 'b' });
    expect(at('nothing.here')).toBe(text);
  });

  it('never throws on broken text, and reads offsets from JSON.parse messages', () => {
    expect(() => locateField('{"a": [1, 2', 'a[1]')).not.toThrow();
    expect(lineOf('a\nb\nc', 4)).toBe(3);
    let message = '';
    try {
      JSON.parse('{"a": 1,}');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(syntaxErrorOffset(message)).toBe(8);
  });
});

describe('format', () => {
  it('numbers for people', () => {
    expect(num(0.634262345)).toBe('0.6343');
    expect(num(1.898e14, 3)).toBe('1.9e14');
    expect(num(1e14, 3)).toBe('1e14');
    expect(num(2.5e-5)).toBe('2.5e-5');
    expect(num(Number.NaN)).toBe('–');
    expect(objectiveText(0.6342621)).toBe('0.634262');
    expect(gapText(0.0000498)).toBe('0.00498%');
    expect(gapText(undefined)).toBe('–');
  });

  it('CSV quotes what needs quoting and keeps full precision', () => {
    expect(
      toCsv({
        columns: ['id', 'x'],
        rows: [
          ['a,b', 0.1 + 0.2],
          ['say "hi"', 1e-12],
        ],
      }),
    ).toBe('id,x\r\n"a,b",0.30000000000000004\r\n"say ""hi""",1e-12\r\n');
  });
});
