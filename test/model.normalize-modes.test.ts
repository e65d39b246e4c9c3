import { describe, expect, it } from 'vitest';
import { generateRequest } from '../src/model/generator.js';
import { normalize } from '../src/model/normalize.js';

describe('normalize: modes of many devices', () => {
  it('gives each device the modes it gets when normalised alone, one shared list per combination of settings', () => {
    const req = generateRequest(31, { devices: 40, servers: 5 });
    req.devices.forEach((d, i) => {
      if (i % 6 === 1) d.trainingMode = 'backprop';
      if (i % 6 === 2) d.trainingMode = 'zeroth-order';
      if (i % 6 === 3) d.inferenceOnly = true;
      if (i % 6 === 4) d.queries = 4;
      if (i % 6 === 5) d.parallelism = 2;
    });
    const { instance } = normalize(req);
    for (const [n, d] of instance.devices.entries()) {
      // The reference: the same device alone in its request (nothing to share with).
      const alone = normalize({ ...req, devices: [req.devices[n]] }).instance.devices[0];
      expect(d.modes).toEqual(alone.modes);
      expect(d.referenceMode).toEqual(alone.referenceMode);
      expect(d.modes).toContainEqual(d.referenceMode);
    }
    // Six combinations of settings, six lists (not one per device: 21 objects each by default).
    expect(new Set(instance.devices.map((d) => d.modes)).size).toBe(6);
  });

  it('still names the device whose settings are invalid, also after devices with valid ones', () => {
    // Devices 0–4 are valid and fill the shared lists first; the last one's list is new and invalid,
    // and its error must name it, not the device whose list it would otherwise have shared.
    const req = generateRequest(32, { devices: 6, servers: 3 });
    req.devices[5].queries = 3;
    expect(() => normalize(req)).toThrow(/devices\[5\]\.queries/);
    req.devices[2].queries = 3;
    expect(() => normalize(req)).toThrow(/devices\[2\]\.queries/);
  });
});
