import { ReadModel } from '@certm3/projection';
import { certm3Model } from './certm3/certm3.model';
import { clmCoreModel } from './clm-core/clm-core.model';
import { clmSecureModel } from './clm-secure/clm-secure.model';

/** Every read model the projector keeps, each in its own database with its own runner. */
export const READ_MODELS: readonly ReadModel[] = [certm3Model, clmCoreModel, clmSecureModel];

export { certm3Model, clmCoreModel, clmSecureModel };
