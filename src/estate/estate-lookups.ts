// What other capabilities may read of the estate: look-ups by id and a walk over the terminals. The
// composition root hands them the estate's repository under this narrower type, so no capability
// imports the estate's repository itself.
import type { EstateRepository } from './estate.repository.ts';

export type EstateLookups = Pick<EstateRepository, 'findTerminal' | 'findSite' | 'findMerchant' | 'findModel' | 'eachTerminal'>;
