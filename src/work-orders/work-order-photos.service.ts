// Photos taken at a work order's checklist items: proof of what a technician found or fixed. Stored like
// inspection photos (checked JPEG or PNG, at most 2 MB, SHA-256 kept), only on work orders the person may
// work on (a technician: their own), and not once the work order is closed.
import { createHash, randomUUID } from 'node:crypto';
import type { Scope } from '../access/roles.ts';
import { decodePhoto } from '../compliance/compliance.rules.ts';
import { PhotoStore } from '../compliance/photo-store.ts';
import { notFound, orNotFound, refused } from '../shared/errors.ts';
import type { Clock } from '../shared/time.ts';
import type { WorkOrdersRepository } from './work-orders.repository.ts';
import type { Actor } from './work-orders.service.ts';
import type { ChecklistPhotoInput, PhotoView } from './work-orders.schemas.ts';
import { isClosed } from './work-order-states.ts';

export class WorkOrderPhotos {
  private readonly store: PhotoStore;

  constructor(
    private readonly repo: WorkOrdersRepository,
    private readonly clock: Clock,
    dataDir: string,
  ) {
    this.store = new PhotoStore(dataDir, 'work-orders');
  }

  async add(workOrderId: string, itemId: string, input: ChecklistPhotoInput, actor: Actor): Promise<PhotoView> {
    const order = (await this.repo.findWorkOrder(workOrderId, actor.scope)) ?? orNotFound('work order', workOrderId);
    if (isClosed(order.status)) throw refused('work_orders.closed', { status: order.status, action: 'checklist' }, { retryable: false });
    if (!(await this.repo.hasItem(workOrderId, itemId))) throw notFound('checklist item', itemId);
    const photo = decodePhoto(input.photo);
    const id = randomUUID();
    const file = await this.store.save(id, photo.extension, photo.bytes);
    const row = {
      id, work_order_id: workOrderId, item_id: itemId, file, content_type: photo.contentType, size: photo.bytes.length,
      sha256: createHash('sha256').update(photo.bytes).digest('hex'), taken_by: actor.name, taken_at: this.clock().toISOString(),
    };
    try {
      await this.repo.insertPhoto(row);
    } catch (error) {
      await this.store.remove(file);
      throw error;
    }
    return photoView(row);
  }

  /** The image, checked against the SHA-256 taken when it was uploaded. */
  async read(workOrderId: string, photoId: string, scope: Scope): Promise<{ contentType: string; bytes: Buffer; sha256: string }> {
    if (!(await this.repo.findWorkOrder(workOrderId, scope))) throw notFound('work order', workOrderId);
    const row = await this.repo.findPhoto(workOrderId, photoId);
    if (!row) throw notFound('photo', photoId);
    const bytes = await this.store.read(row.file);
    if (!bytes) throw notFound('photo file', photoId);
    if (createHash('sha256').update(bytes).digest('hex') !== row.sha256) throw refused('work_orders.photo_changed', {}, { retryable: false });
    return { contentType: row.content_type, bytes, sha256: row.sha256 };
  }
}

function photoView(row: { id: string; work_order_id: string; content_type: string; size: number; sha256: string; taken_by: string; taken_at: string }): PhotoView {
  return {
    id: row.id, contentType: row.content_type, sizeBytes: row.size, sha256: row.sha256, takenBy: row.taken_by, takenAt: row.taken_at,
    url: `/api/v1/work-orders/${row.work_order_id}/photos/${row.id}`,
  };
}
