/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What intel-iommu calls of its live-update handover (kho.c), and the
 * stubs without CONFIG_IOMMU_KHO.
 */
#ifndef _INTEL_IOMMU_KHO_H
#define _INTEL_IOMMU_KHO_H

#include <linux/types.h>

struct context_entry;
struct dmar_domain;
struct intel_iommu;
struct iommu_kho_ops;

#ifdef CONFIG_IOMMU_KHO
extern const struct iommu_kho_ops intel_iommu_kho_ops;
#define INTEL_IOMMU_KHO_OPS	(&intel_iommu_kho_ops)

bool intel_iommu_kho_shutdown_unit(struct intel_iommu *iommu);
bool intel_iommu_kho_keep_translation(struct intel_iommu *iommu);
void intel_iommu_kho_adopt_contexts(struct intel_iommu *iommu);
bool intel_iommu_kho_attach_kept(struct intel_iommu *iommu,
				 struct context_entry *ce, u8 bus, u8 devfn,
				 struct dmar_domain *domain, u16 did);
#else
#define INTEL_IOMMU_KHO_OPS	NULL

static inline bool intel_iommu_kho_shutdown_unit(struct intel_iommu *iommu)
{
	return false;
}

static inline bool intel_iommu_kho_keep_translation(struct intel_iommu *iommu)
{
	return false;
}

static inline void intel_iommu_kho_adopt_contexts(struct intel_iommu *iommu)
{
}

static inline bool intel_iommu_kho_attach_kept(struct intel_iommu *iommu,
					       struct context_entry *ce,
					       u8 bus, u8 devfn,
					       struct dmar_domain *domain,
					       u16 did)
{
	return false;
}
#endif /* CONFIG_IOMMU_KHO */

#endif /* _INTEL_IOMMU_KHO_H */
