// Spares and backup terminals over HTTP: depots, stock rows and their ledger, restock, counts, transfers,
// parts used on work orders, backup pools, swaps and chains of custody. Thin: the service decides;
// technicians reach only their own work orders and the custody of terminals swapped on them.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { actorOf } from '../work-orders/work-orders.service.ts';
import { WorkOrderView } from '../work-orders/work-orders.schemas.ts';
import { errorResponses, IdParams, Items, operatorSecurity, Page } from '../shared/http-schemas.ts';
import type { BackupTerminalsService } from './backup-terminals.service.ts';
import type { SparesService } from './spares.service.ts';
import {
  CountInput, CustodyQuery, CustodyStepInput, CustodyView, DepotInput, DepotView, LedgerEntry, LedgerQuery, PartsInput, PoolInput, PoolTerminalInput, PoolView, RestockInput,
  SparePartInput, SparePartPatch, SparePartQuery, SparePartView, SwapInput, SwapView, TransferInput, TransferView,
} from './spares.schemas.ts';

const security = operatorSecurity;
const read = { permission: 'workorders:read' } as const;
const write = { permission: 'workorders:write' } as const;
const update = { permission: 'workorders:update' } as const;
const stock = ['spare parts'];
const backups = ['backup terminals'];

export const sparesRoutes = (spares: SparesService, backupTerminals: BackupTerminalsService): FastifyPluginAsyncTypebox => async (app) => {
  // ---- depots and stock
  app.get('/depots', { config: read, schema: { tags: stock, security, operationId: 'listDepots', summary: 'List depots', response: { 200: Items(DepotView), ...errorResponses } } }, () => spares.listDepots());
  app.post('/depots', {
    config: write, schema: { tags: stock, security, operationId: 'createDepot', summary: 'Create a depot', body: DepotInput, response: { 201: DepotView, ...errorResponses }, description: '409 when the code is taken.' },
  }, async (req, reply) => reply.code(201).send(await spares.createDepot(req.body)));

  app.get('/spare-parts', {
    config: read, schema: { tags: stock, security, operationId: 'listSpareParts', summary: 'Spare-part stock', querystring: SparePartQuery, response: { 200: Items(SparePartView), ...errorResponses }, description: 'Stock per part per depot.' },
  }, (req) => spares.listParts(req.query));
  app.post('/spare-parts', {
    config: write,
    schema: { tags: stock, security, operationId: 'createSparePart', summary: 'Stock a new spare part at a depot', body: SparePartInput, response: { 201: SparePartView, ...errorResponses }, description: 'Stock of a part at a depot, its opening stock booked as a receipt; 409 when the depot already has it.' },
  }, async (req, reply) => reply.code(201).send(await spares.createPart(req.body, actorOf(req.principal))));
  app.patch('/spare-parts/:id', {
    config: write, schema: { tags: stock, security, operationId: 'updateSparePart', summary: "Change a spare part's name or minimum level", params: IdParams, body: SparePartPatch, response: { 200: SparePartView, ...errorResponses }, description: 'Name or minimum level.' },
  }, (req) => spares.updatePart(req.params.id, req.body));
  app.post('/spare-parts/:id/restock', {
    config: write, schema: { tags: stock, security, operationId: 'restockSparePart', summary: 'Receive spare parts into stock', params: IdParams, body: RestockInput, response: { 200: SparePartView, ...errorResponses }, description: 'A receipt: stock in.' },
  }, (req) => spares.restock(req.params.id, req.body, actorOf(req.principal)));
  app.post('/spare-parts/:id/counts', {
    config: write,
    schema: { tags: stock, security, operationId: 'countSparePart', summary: 'Record a stock count', params: IdParams, body: CountInput, response: { 200: SparePartView, ...errorResponses }, description: 'A count: the level becomes what was counted; the difference is booked as an adjustment with its reason.' },
  }, (req) => spares.count(req.params.id, req.body, actorOf(req.principal)));
  app.post('/stock-transfers', {
    config: write,
    schema: { tags: stock, security, operationId: 'transferStock', summary: 'Move spare parts to another depot', body: TransferInput, response: { 201: TransferView, ...errorResponses }, description: 'Moves stock of a part to another depot; 409 when there is not enough.' },
  }, async (req, reply) => reply.code(201).send(await spares.transfer(req.body, actorOf(req.principal))));
  app.get('/stock-ledger', {
    config: read, schema: { tags: stock, security, operationId: 'listStockLedger', summary: 'The stock ledger', querystring: LedgerQuery, response: { 200: Page(LedgerEntry), ...errorResponses }, description: 'Every stock move, newest first, with who, when, why and the level it left.' },
  }, (req) => spares.ledger(req.query));
  app.post('/work-orders/:id/parts', {
    config: update,
    schema: { tags: ['work orders'], security, operationId: 'useWorkOrderParts', summary: 'Use spare parts on a work order', params: IdParams, body: PartsInput, response: { 200: WorkOrderView, ...errorResponses }, description: 'Takes spare parts out of stock for the work order; 409 naming quantity when there are not enough.' },
  }, (req) => spares.useParts(req.params.id, req.body, actorOf(req.principal)));

  // ---- backup pools, swaps, custody
  app.get('/backup-pools', { config: read, schema: { tags: backups, security, operationId: 'listBackupPools', summary: 'List backup terminal pools', response: { 200: Items(PoolView), ...errorResponses } } }, () => backupTerminals.listPools());
  app.post('/backup-pools', {
    config: write, schema: { tags: backups, security, operationId: 'createBackupPool', summary: 'Create a backup terminal pool', body: PoolInput, response: { 201: PoolView, ...errorResponses }, description: 'A pool of backup terminals at a depot or a site.' },
  }, async (req, reply) => reply.code(201).send(await backupTerminals.createPool(req.body)));
  app.get('/backup-pools/:id', { config: read, schema: { tags: backups, security, operationId: 'getBackupPool', summary: 'A backup terminal pool', params: IdParams, response: { 200: PoolView, ...errorResponses } } },
    (req) => backupTerminals.getPool(req.params.id));
  app.post('/backup-pools/:id/terminals', {
    config: write,
    schema: { tags: backups, security, operationId: 'addBackupPoolTerminal', summary: 'Add a spare terminal to a pool', params: IdParams, body: PoolTerminalInput, response: { 200: PoolView, ...errorResponses }, description: 'Marks a terminal in stock (at no site) as a spare of the pool.' },
  }, (req) => backupTerminals.addToPool(req.params.id, req.body.terminalId, actorOf(req.principal)));
  app.post('/work-orders/:id/swap', {
    config: update,
    schema: {
      tags: backups, security, operationId: 'swapTerminal', summary: 'Swap a faulty terminal for a spare', params: IdParams, body: SwapInput, response: { 201: SwapView, ...errorResponses },
      description: "A spare from a pool takes the faulty terminal's site, tags, network type, maintenance windows and preventive tasks; the faulty one goes to repair (custody at_site). Sets the work order's merchant-restored time.",
    },
  }, async (req, reply) => reply.code(201).send(await backupTerminals.swap(req.params.id, req.body, actorOf(req.principal))));
  app.get('/custody', {
    config: read, schema: { tags: backups, security, operationId: 'listCustody', summary: 'Terminals in repair custody', querystring: CustodyQuery, response: { 200: Items(CustodyView), ...errorResponses }, description: 'Terminals on their way to, in and back from repair; technicians see those of their own work orders.' },
  }, (req) => backupTerminals.listCustody(req.query, req.principal.scope));
  app.get('/custody/:id', { config: read, schema: { tags: backups, security, operationId: 'getCustody', summary: "A terminal's chain of custody", params: IdParams, response: { 200: CustodyView, ...errorResponses } } },
    (req) => backupTerminals.getCustody(req.params.id, req.principal.scope));
  app.post('/custody/:id/steps', {
    config: update,
    schema: {
      tags: backups, security, operationId: 'recordCustodyStep', summary: 'Record a custody step', params: IdParams, body: CustodyStepInput, response: { 200: CustodyView, ...errorResponses },
      description: 'at_site → in_transit → in_repair → back_in_pool (with poolId) | scrapped; 409 for an impossible step.',
    },
  }, (req) => backupTerminals.step(req.params.id, req.body, actorOf(req.principal)));
};
