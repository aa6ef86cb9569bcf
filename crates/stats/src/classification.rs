//! Classification metrics: per-class precision, recall and F1, and their macro averages,
//! as `sklearn.metrics.precision_recall_fscore_support(y_true, y_pred, labels=...,
//! zero_division=0)` and `f1_score(..., average="macro")`.
//!
//! Passing the full label set matters for low-resource evaluation: a class the model never
//! predicts and the sample never contains still counts, as 0, in the macro average.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{check_same_len, Result, StatsError};

/// Scores for one class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassScores<T> {
    /// The class label.
    pub label: T,
    /// `tp / (tp + fp)`, 0 when nothing was predicted as this class.
    pub precision: f64,
    /// `tp / (tp + fn)`, 0 when the class never occurs.
    pub recall: f64,
    /// `2 tp / (2 tp + fp + fn)`, 0 when the class neither occurs nor is predicted.
    pub f1: f64,
    /// Number of items whose true label is this class.
    pub support: u64,
}

/// Per-class scores and their unweighted (macro) means.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassificationReport<T> {
    /// One entry per label, in label order.
    pub classes: Vec<ClassScores<T>>,
    /// Mean precision over the labels.
    pub macro_precision: f64,
    /// Mean recall over the labels.
    pub macro_recall: f64,
    /// Mean F1 over the labels (sklearn's `f1_score(average="macro")`).
    pub macro_f1: f64,
    /// Fraction of items with `y_true == y_pred`.
    pub accuracy: f64,
}

fn ratio_or_zero(num: f64, den: f64) -> f64 {
    if den == 0.0 {
        0.0
    } else {
        num / den
    }
}

/// Per-class precision, recall, F1 and support over `labels` (`None`: the sorted distinct
/// labels of both inputs), with scikit-learn's `zero_division=0` convention. Items whose
/// labels are outside `labels` still count as false positives / negatives of the labels
/// they were confused with. Accuracy is over all items.
///
/// Errors: empty or mismatched inputs, empty or duplicated `labels`.
pub fn classification_report<T: Ord + Clone>(
    y_true: &[T],
    y_pred: &[T],
    labels: Option<&[T]>,
) -> Result<ClassificationReport<T>> {
    check_same_len(y_true.len(), y_pred.len(), "classification labels")?;
    if y_true.is_empty() {
        return Err(StatsError::Empty("classification labels"));
    }
    let labels: Vec<T> = match labels {
        Some([]) => return Err(StatsError::Empty("label set")),
        Some(given) => given.to_vec(),
        None => {
            let mut all: Vec<T> = y_true.iter().chain(y_pred).cloned().collect();
            all.sort();
            all.dedup();
            all
        }
    };
    let mut index = BTreeMap::new();
    for (i, label) in labels.iter().enumerate() {
        if index.insert(label.clone(), i).is_some() {
            return Err(StatsError::InvalidArgument(
                "labels must be distinct".into(),
            ));
        }
    }
    let k = labels.len();
    let (mut tp, mut predicted, mut actual) = (vec![0u64; k], vec![0u64; k], vec![0u64; k]);
    let mut correct = 0u64;
    for (t, p) in y_true.iter().zip(y_pred) {
        let ti = index.get(t).copied();
        let pi = index.get(p).copied();
        if let Some(i) = ti {
            actual[i] += 1;
        }
        if let Some(j) = pi {
            predicted[j] += 1;
        }
        if t == p {
            correct += 1;
            if let Some(i) = ti {
                tp[i] += 1;
            }
        }
    }
    let classes: Vec<ClassScores<T>> = labels
        .into_iter()
        .enumerate()
        .map(|(i, label)| {
            let (tp, pred, act) = (tp[i] as f64, predicted[i] as f64, actual[i] as f64);
            ClassScores {
                label,
                precision: ratio_or_zero(tp, pred),
                recall: ratio_or_zero(tp, act),
                // 2tp + fp + fn = pred + act
                f1: ratio_or_zero(2.0 * tp, pred + act),
                support: actual[i],
            }
        })
        .collect();
    let mean = |f: fn(&ClassScores<T>) -> f64| classes.iter().map(f).sum::<f64>() / k as f64;
    Ok(ClassificationReport {
        macro_precision: mean(|c| c.precision),
        macro_recall: mean(|c| c.recall),
        macro_f1: mean(|c| c.f1),
        accuracy: correct as f64 / y_true.len() as f64,
        classes,
    })
}

/// Macro-averaged F1 over `labels` (see [`classification_report`]).
pub fn macro_f1<T: Ord + Clone>(y_true: &[T], y_pred: &[T], labels: Option<&[T]>) -> Result<f64> {
    Ok(classification_report(y_true, y_pred, labels)?.macro_f1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors() {
        assert!(macro_f1::<u8>(&[], &[], None).is_err());
        assert!(macro_f1(&[1], &[1, 2], None).is_err());
        assert!(macro_f1(&[1], &[1], Some(&[])).is_err());
        assert!(macro_f1(&[1], &[1], Some(&[1, 1])).is_err());
    }

    #[test]
    fn absent_class_counts_as_zero() {
        let f = macro_f1(&["a", "b"], &["a", "b"], Some(&["a", "b", "c"])).unwrap();
        assert!((f - 2.0 / 3.0).abs() < 1e-15);
    }
}
