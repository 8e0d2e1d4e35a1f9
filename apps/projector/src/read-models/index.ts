import { ReadModel } from '@certm3/projection';
import { certm3Model } from './certm3/certm3.model';

/** Every read model the projector keeps, each in its own database with its own runner. */
export const READ_MODELS: readonly ReadModel[] = [certm3Model];

export { certm3Model };
