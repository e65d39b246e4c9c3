// A job's input errors name the field inside the POST /jobs body: devices[0].kappa → input.devices[0].kappa.
import { InputError } from '../model/normalize.js';

export function prefixedInputError<T>(check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof InputError && !e.field.startsWith('input'))
      throw new InputError(e.field === 'body' ? 'input' : `input.${e.field}`, e.reason);
    throw e;
  }
}
